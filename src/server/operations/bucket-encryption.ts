// Get/Put/DeleteBucketEncryption: a bucket's default encryption. SSE-S3 (AES256) is given; the KMS
// algorithms are refused (there is no KMS here), anything else is MalformedXML, as in S3.
import { S3Error } from "../../errors.ts";
import { notImplementedHeader } from "../protection.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";

const KMS = new Set(["aws:kms", "aws:kms:dsse"]);

export const getBucketEncryption: OperationHandler<"GetBucketEncryption"> = async (req) => {
  const bucket = await req.engine.buckets.owned(req.requester, req.params.bucket);
  if (!bucket.encryption) throw new S3Error("ServerSideEncryptionConfigurationNotFoundError", { detail: { BucketName: bucket.name } });
  const rule: XmlNode = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: bucket.encryption.algorithm } };
  if (bucket.encryption.bucketKeyEnabled !== undefined) rule.BucketKeyEnabled = bucket.encryption.bucketKeyEnabled;
  return { xml: { root: "ServerSideEncryptionConfiguration", body: { Rule: rule } } };
};

export const putBucketEncryption: OperationHandler<"PutBucketEncryption"> = async (req) => {
  const doc = parseXml(await readXmlBody(req.body), ["ServerSideEncryptionConfiguration.Rule"]);
  const rules = (doc.ServerSideEncryptionConfiguration as { Rule?: unknown[] } | undefined)?.Rule;
  if (!Array.isArray(rules) || rules.length !== 1) throw new S3Error("MalformedXML");
  const rule = rules[0] as { ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: unknown; KMSMasterKeyID?: unknown }; BucketKeyEnabled?: unknown };
  const algorithm = String(rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? "");
  if (KMS.has(algorithm)) throw notImplementedHeader("SSEAlgorithm", "Default encryption with KMS keys");
  if (algorithm !== "AES256" || rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID !== undefined) throw new S3Error("MalformedXML");
  const bucketKey = rule.BucketKeyEnabled;
  if (bucketKey !== undefined && bucketKey !== "true" && bucketKey !== "false" && typeof bucketKey !== "boolean") throw new S3Error("MalformedXML");
  await req.engine.buckets.setEncryption(req.requester, req.params.bucket, {
    algorithm: "AES256", ...(bucketKey !== undefined ? { bucketKeyEnabled: String(bucketKey) === "true" } : {}),
  });
  return {};
};

export const deleteBucketEncryption: OperationHandler<"DeleteBucketEncryption"> = async (req) => {
  await req.engine.buckets.setEncryption(req.requester, req.params.bucket, null);
  return { status: 204 };
};

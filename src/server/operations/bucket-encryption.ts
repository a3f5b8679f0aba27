// Get/Put/DeleteBucketEncryption: a bucket's default encryption. SSE-S3 (AES256) and SSE-KMS (aws:kms,
// with a key of the key manager or the default aws/s3) are given; DSSE-KMS is refused, anything else is
// MalformedXML, as in S3.
import { S3Error } from "../../errors.ts";
import { notImplementedHeader } from "../protection.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";


export const getBucketEncryption: OperationHandler<"GetBucketEncryption"> = async (req) => {
  const bucket = await req.engine.buckets.owned(req.requester, req.params.bucket);
  if (!bucket.encryption) throw new S3Error("ServerSideEncryptionConfigurationNotFoundError", { detail: { BucketName: bucket.name } });
  const rule: XmlNode = {
    ApplyServerSideEncryptionByDefault: { SSEAlgorithm: bucket.encryption.algorithm, ...(bucket.encryption.kmsKeyId ? { KMSMasterKeyID: bucket.encryption.kmsKeyId } : {}) },
  };
  if (bucket.encryption.bucketKeyEnabled !== undefined) rule.BucketKeyEnabled = bucket.encryption.bucketKeyEnabled;
  return { xml: { root: "ServerSideEncryptionConfiguration", body: { Rule: rule } } };
};

export const putBucketEncryption: OperationHandler<"PutBucketEncryption"> = async (req) => {
  const doc = parseXml(await readXmlBody(req.body), ["ServerSideEncryptionConfiguration.Rule"]);
  const rules = (doc.ServerSideEncryptionConfiguration as { Rule?: unknown[] } | undefined)?.Rule;
  if (!Array.isArray(rules) || rules.length !== 1) throw new S3Error("MalformedXML");
  const rule = rules[0] as { ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: unknown; KMSMasterKeyID?: unknown }; BucketKeyEnabled?: unknown };
  const algorithm = String(rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? "");
  const keyId = rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  if (algorithm === "aws:kms:dsse") throw notImplementedHeader("SSEAlgorithm", "Default encryption with dual-layer KMS keys (DSSE-KMS)");
  if (algorithm !== "AES256" && algorithm !== "aws:kms") throw new S3Error("MalformedXML");
  if (keyId !== undefined && (algorithm !== "aws:kms" || typeof keyId !== "string")) {
    throw new S3Error("InvalidArgument", { message: "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", detail: { ArgumentName: "ApplyServerSideEncryptionByDefault" } });
  }
  const bucketKey = rule.BucketKeyEnabled;
  if (bucketKey !== undefined && bucketKey !== "true" && bucketKey !== "false" && typeof bucketKey !== "boolean") throw new S3Error("MalformedXML");
  // A key named here must exist now (an unknown one would fail every write later).
  if (keyId) {
    await req.engine.buckets.owned(req.requester, req.params.bucket);
    await req.engine.kms.describe(keyId.trim());
  }
  await req.engine.buckets.setEncryption(req.requester, req.params.bucket, {
    algorithm, ...(keyId ? { kmsKeyId: keyId.trim() } : {}), ...(bucketKey !== undefined ? { bucketKeyEnabled: String(bucketKey) === "true" } : {}),
  });
  return {};
};

export const deleteBucketEncryption: OperationHandler<"DeleteBucketEncryption"> = async (req) => {
  await req.engine.buckets.setEncryption(req.requester, req.params.bucket, null);
  return { status: 204 };
};

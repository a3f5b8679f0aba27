// CreateBucket: optional CreateBucketConfiguration body (LocationConstraint) and a canned ACL.
import { S3Error } from "../../errors.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody } from "../xml.ts";
import { aclFromHeaders } from "../acl.ts";

function locationConstraint(xml: string): string | undefined {
  if (xml.trim() === "") return undefined;
  const doc = parseXml(xml);
  const config = doc.CreateBucketConfiguration;
  if (config === undefined) throw new S3Error("MalformedXML");
  if (config === "" || typeof config !== "object" || config === null) return undefined;
  const value = (config as Record<string, unknown>).LocationConstraint;
  return typeof value === "string" ? value : undefined;
}

export const createBucket: OperationHandler<"CreateBucket"> = async (req) => {
  const bucket = req.params.bucket;
  const acl = aclFromHeaders(req.headers);
  const constraint = locationConstraint(await readXmlBody(req.body));
  await req.engine.buckets.create(req.requester, {
    name: bucket,
    ...(constraint !== undefined ? { locationConstraint: constraint } : {}),
    ...(acl !== undefined ? { acl } : {}),
    ...(req.headers.get("x-amz-bucket-object-lock-enabled")?.trim().toLowerCase() === "true" ? { objectLock: true } : {}),
  });
  return { headers: { location: `/${bucket}` } };
};

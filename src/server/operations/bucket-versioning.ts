// GetBucketVersioning and PutBucketVersioning: Enabled or Suspended (an empty configuration until the
// first is set). MFA delete is a protection BleepStore does not give: asking to enable it is refused.
import { S3Error } from "../../errors.ts";
import type { VersioningStatus } from "../../metadata/store.ts";
import { notImplementedHeader } from "../protection.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody } from "../xml.ts";

export const getBucketVersioning: OperationHandler<"GetBucketVersioning"> = async (req) => {
  const bucket = await req.engine.buckets.owned(req.requester, req.params.bucket);
  return { xml: { root: "VersioningConfiguration", body: bucket.versioning ? { Status: bucket.versioning } : {} } };
};

function parseVersioning(xml: string): VersioningStatus | undefined {
  const doc = parseXml(xml).VersioningConfiguration as { Status?: unknown; MfaDelete?: unknown } | undefined;
  if (!doc || typeof doc !== "object") throw new S3Error("MalformedXML");
  if (doc.MfaDelete !== undefined) {
    if (doc.MfaDelete === "Enabled") throw notImplementedHeader("MfaDelete", "MFA delete");
    if (doc.MfaDelete !== "Disabled") throw new S3Error("MalformedXML");
  }
  if (doc.Status === undefined) return undefined;
  if (doc.Status !== "Enabled" && doc.Status !== "Suspended") throw new S3Error("MalformedXML");
  return doc.Status;
}

export const putBucketVersioning: OperationHandler<"PutBucketVersioning"> = async (req) => {
  const status = parseVersioning(await readXmlBody(req.body));
  if (status !== undefined) await req.engine.buckets.setVersioning(req.requester, req.params.bucket, status);
  else await req.engine.buckets.owned(req.requester, req.params.bucket);
  return {};
};

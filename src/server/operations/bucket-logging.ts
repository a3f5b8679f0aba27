// Put/GetBucketLogging: S3's BucketLoggingStatus document. LoggingEnabled with TargetBucket and
// TargetPrefix turns server access logging on; an empty BucketLoggingStatus turns it off. What this
// server would not apply is refused, never stored and ignored: TargetGrants (log objects belong to the
// target bucket's owner) and TargetObjectKeyFormat other than SimplePrefix.
import { S3Error } from "../../errors.ts";
import type { BucketLogging } from "../../metadata/store.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody } from "../xml.ts";

const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : v === "" ? {} : undefined);

function loggingOf(doc: Record<string, unknown>): BucketLogging | null {
  const status = obj(doc.BucketLoggingStatus);
  if (!status) throw new S3Error("MalformedXML");
  if (status.LoggingEnabled === undefined) return null;
  const enabled = obj(status.LoggingEnabled);
  if (!enabled || typeof enabled.TargetBucket !== "string" || enabled.TargetBucket === "") throw new S3Error("MalformedXML");
  if (enabled.TargetGrants !== undefined) {
    throw new S3Error("NotImplemented", { message: "TargetGrants are not supported: access log objects belong to the target bucket's owner." });
  }
  const format = obj(enabled.TargetObjectKeyFormat);
  if (enabled.TargetObjectKeyFormat !== undefined && (!format || format.PartitionedPrefix !== undefined || Object.keys(format).some((k) => k !== "SimplePrefix" && !k.startsWith("@_")))) {
    throw new S3Error("NotImplemented", { message: "Only the SimplePrefix key format is supported for access log objects." });
  }
  const prefix = enabled.TargetPrefix ?? "";
  if (typeof prefix !== "string") throw new S3Error("MalformedXML");
  return { targetBucket: enabled.TargetBucket, targetPrefix: prefix };
}

export const putBucketLogging: OperationHandler<"PutBucketLogging"> = async (req) => {
  const logging = loggingOf(parseXml(await readXmlBody(req.body)));
  await req.engine.logging.set(req.requester, req.params.bucket, logging);
  return {};
};

export const getBucketLogging: OperationHandler<"GetBucketLogging"> = async (req) => {
  const logging = await req.engine.logging.get(req.requester, req.params.bucket);
  return {
    xml: {
      root: "BucketLoggingStatus",
      body: logging ? { LoggingEnabled: { TargetBucket: logging.targetBucket, TargetPrefix: logging.targetPrefix } } : {},
    },
  };
};

// Object Lock: Get/PutObjectLockConfiguration on a bucket, Get/PutObjectRetention and
// Get/PutObjectLegalHold on a version.
import type { ObjectLockConfig } from "../../metadata/store.ts";
import { S3Error } from "../../errors.ts";
import { bypassGovernance, parseMode, parseUntil } from "../lock-headers.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";

const positive = (value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new S3Error("InvalidArgument", { message: "Default retention period must be a positive integer value." });
  return n;
};

export const getObjectLockConfiguration: OperationHandler<"GetObjectLockConfiguration"> = async (req) => {
  const config = await req.engine.objectLock.configuration(req.requester, req.params.bucket);
  const body: XmlNode = { ObjectLockEnabled: "Enabled" };
  const d = config.defaultRetention;
  if (d) body.Rule = { DefaultRetention: { Mode: d.mode, ...(d.days ? { Days: d.days } : {}), ...(d.years ? { Years: d.years } : {}) } };
  return { xml: { root: "ObjectLockConfiguration", body } };
};

export const putObjectLockConfiguration: OperationHandler<"PutObjectLockConfiguration"> = async (req) => {
  const doc = parseXml(await readXmlBody(req.body));
  const c = doc.ObjectLockConfiguration as { ObjectLockEnabled?: unknown; Rule?: { DefaultRetention?: Record<string, unknown> } } | undefined;
  if (!c || c.ObjectLockEnabled !== "Enabled") throw new S3Error("MalformedXML");
  const config: ObjectLockConfig = { enabled: true };
  const d = c.Rule?.DefaultRetention;
  if (c.Rule !== undefined) {
    if (!d || typeof d !== "object") throw new S3Error("MalformedXML");
    const days = positive(d.Days);
    const years = positive(d.Years);
    if ((days === undefined) === (years === undefined)) throw new S3Error("MalformedXML");
    config.defaultRetention = { mode: parseMode(String(d.Mode), "Mode"), ...(days ? { days } : {}), ...(years ? { years } : {}) };
  }
  await req.engine.objectLock.configure(req.requester, req.params.bucket, config);
  return {};
};

export const getObjectRetention: OperationHandler<"GetObjectRetention"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const r = await req.engine.objectLock.retention(req.requester, bucket, key, versionId);
  return { xml: { root: "Retention", body: { Mode: r.mode, RetainUntilDate: new Date(r.until).toISOString() } } };
};

export const putObjectRetention: OperationHandler<"PutObjectRetention"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const doc = parseXml(await readXmlBody(req.body));
  const r = doc.Retention;
  if (r === undefined) throw new S3Error("MalformedXML");
  const fields = (typeof r === "object" && r !== null ? r : {}) as { Mode?: unknown; RetainUntilDate?: unknown };
  // An empty <Retention/> removes it (GOVERNANCE, with the bypass).
  const retention = fields.Mode === undefined && fields.RetainUntilDate === undefined
    ? null
    : { mode: parseMode(String(fields.Mode), "Mode"), until: parseUntil(String(fields.RetainUntilDate), "RetainUntilDate") };
  await req.engine.objectLock.setRetention(req.requester, bucket, key, versionId, retention, bypassGovernance(req.headers));
  return {};
};

export const getObjectLegalHold: OperationHandler<"GetObjectLegalHold"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const on = await req.engine.objectLock.legalHold(req.requester, bucket, key, versionId);
  return { xml: { root: "LegalHold", body: { Status: on ? "ON" : "OFF" } } };
};

export const putObjectLegalHold: OperationHandler<"PutObjectLegalHold"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const doc = parseXml(await readXmlBody(req.body));
  const status = (doc.LegalHold as { Status?: unknown } | undefined)?.Status;
  if (status !== "ON" && status !== "OFF") throw new S3Error("MalformedXML");
  await req.engine.objectLock.setLegalHold(req.requester, bucket, key, versionId, status === "ON");
  return {};
};

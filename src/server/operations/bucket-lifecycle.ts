// Put/Get/DeleteBucketLifecycleConfiguration: rules checked as S3 checks them (MalformedXML for a
// document S3 would not parse, InvalidArgument/InvalidRequest with S3's words for the rest). Transition
// and NoncurrentVersionTransition are refused: there are no storage tiers here, and a rule that would
// not be applied is never stored.
import { S3Error } from "../../errors.ts";
import type { LifecycleRule } from "../../metadata/store.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";

const ROOT = "LifecycleConfiguration";
const invalid = (message: string, name = "LifecycleConfiguration", value = "") => new S3Error("InvalidArgument", { message, detail: { ArgumentName: name, ArgumentValue: value } });

type Node = Record<string, unknown>;
const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
function positive(v: unknown, name: string): number {
  const n = Number(text(v));
  if (!Number.isInteger(n) || n <= 0) throw invalid(`'${name}' for ${name === "Days" ? "Expiration" : name} action must be a positive integer`, name, String(text(v)));
  return n;
}
function tagsOf(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of (Array.isArray(tags) ? tags : [tags]) as Node[]) {
    const k = text(t?.Key);
    if (k === undefined) throw new S3Error("MalformedXML");
    if (k in out) throw invalid("Duplicate Tag Keys are not allowed.", "Tag", k);
    out[k] = text(t?.Value) ?? "";
  }
  return out;
}

export function parseLifecycle(xml: string): LifecycleRule[] {
  const doc = parseXml(xml, [`${ROOT}.Rule`, `${ROOT}.Rule.Filter.And.Tag`]);
  const rules = (doc[ROOT] as { Rule?: Node[] } | undefined)?.Rule;
  if (!Array.isArray(rules) || rules.length === 0) throw new S3Error("MalformedXML");
  if (rules.length > 1000) throw invalid("The number of lifecycle rules must not exceed the allowed limit of 1000 rules.");
  const ids = new Set<string>();
  return rules.map((r, i) => {
    const id = text(r.ID) ?? `rule-${i + 1}`;
    if (id.length > 255) throw invalid("ID length should not exceed allowed limit of 255", "ID", id);
    if (ids.has(id)) throw invalid("Rule ID must be unique. Found same ID for more than one rule", "ID", id);
    ids.add(id);
    if (r.Status !== "Enabled" && r.Status !== "Disabled") throw new S3Error("MalformedXML");
    if (r.Transition !== undefined || r.NoncurrentVersionTransition !== undefined) {
      throw new S3Error("NotImplemented", { message: "Transitions move objects between storage tiers; this server has one tier. A rule with a transition is not stored." });
    }
    const rule: LifecycleRule = { id, enabled: r.Status === "Enabled" };
    if (r.Prefix !== undefined && r.Filter !== undefined) throw new S3Error("MalformedXML");
    if (r.Prefix !== undefined) Object.assign(rule, { prefix: text(r.Prefix) ?? "", legacyPrefix: true });
    const filter = (r.Filter === "" ? {} : r.Filter) as Node | undefined;
    if (filter) {
      const and = (filter.And === "" ? {} : filter.And) as Node | undefined;
      const parts = ["Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan"].filter((k) => filter[k] !== undefined);
      if (parts.length > 1) throw new S3Error("MalformedXML");
      const from = and ?? filter;
      if (from.Prefix !== undefined) rule.prefix = text(from.Prefix) ?? "";
      if (from.Tag !== undefined) rule.tags = tagsOf(from.Tag);
      if (from.ObjectSizeGreaterThan !== undefined) rule.sizeGreaterThan = Number(text(from.ObjectSizeGreaterThan));
      if (from.ObjectSizeLessThan !== undefined) rule.sizeLessThan = Number(text(from.ObjectSizeLessThan));
      if (rule.sizeGreaterThan !== undefined && rule.sizeLessThan !== undefined && rule.sizeGreaterThan >= rule.sizeLessThan) {
        throw invalid("ObjectSizeGreaterThan must be less than ObjectSizeLessThan", "ObjectSizeGreaterThan", String(rule.sizeGreaterThan));
      }
    }
    const exp = (r.Expiration === "" ? {} : r.Expiration) as Node | undefined;
    if (exp) {
      const given = ["Days", "Date", "ExpiredObjectDeleteMarker"].filter((k) => exp[k] !== undefined);
      if (given.length !== 1) throw new S3Error("MalformedXML");
      if (exp.Days !== undefined) rule.expiration = { days: positive(exp.Days, "Days") };
      if (exp.Date !== undefined) {
        const date = Date.parse(text(exp.Date) ?? "");
        if (Number.isNaN(date) || date % 86_400_000 !== 0) throw invalid("'Date' must be at midnight GMT", "Date", text(exp.Date) ?? "");
        rule.expiration = { date };
      }
      if (exp.ExpiredObjectDeleteMarker !== undefined) {
        if (rule.tags) throw invalid("ExpiredObjectDeleteMarker cannot be specified with object tags", "ExpiredObjectDeleteMarker", "true");
        rule.expiration = { expiredObjectDeleteMarker: String(exp.ExpiredObjectDeleteMarker) === "true" };
      }
    }
    const nc = (r.NoncurrentVersionExpiration === "" ? {} : r.NoncurrentVersionExpiration) as Node | undefined;
    if (nc) {
      rule.noncurrent = { days: positive(nc.NoncurrentDays, "NoncurrentDays") };
      if (nc.NewerNoncurrentVersions !== undefined) rule.noncurrent.newer = positive(nc.NewerNoncurrentVersions, "NewerNoncurrentVersions");
    }
    const abort = (r.AbortIncompleteMultipartUpload === "" ? {} : r.AbortIncompleteMultipartUpload) as Node | undefined;
    if (abort) {
      if (rule.tags) throw invalid("AbortIncompleteMultipartUpload cannot be specified with Tags.", "AbortIncompleteMultipartUpload", "");
      rule.abortAfterDays = positive(abort.DaysAfterInitiation, "DaysAfterInitiation");
    }
    if (!rule.expiration && !rule.noncurrent && rule.abortAfterDays === undefined) {
      throw new S3Error("InvalidRequest", { message: "At least one action needs to be specified in a rule" });
    }
    return rule;
  });
}

export function renderLifecycle(rules: LifecycleRule[]): XmlNode {
  return {
    Rule: rules.map((r) => {
      const node: XmlNode = { ID: r.id };
      const parts: XmlNode = {};
      if (r.prefix !== undefined && !r.legacyPrefix) parts.Prefix = r.prefix;
      if (r.tags) parts.Tag = Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value }));
      if (r.sizeGreaterThan !== undefined) parts.ObjectSizeGreaterThan = r.sizeGreaterThan;
      if (r.sizeLessThan !== undefined) parts.ObjectSizeLessThan = r.sizeLessThan;
      const many = Object.keys(parts).length > 1 || (Array.isArray(parts.Tag) && parts.Tag.length > 1);
      if (r.legacyPrefix) node.Prefix = r.prefix ?? "";
      else node.Filter = many ? { And: parts } : Array.isArray(parts.Tag) ? { Tag: parts.Tag[0] } : parts;
      node.Status = r.enabled ? "Enabled" : "Disabled";
      if (r.expiration) {
        node.Expiration = r.expiration.days !== undefined ? { Days: r.expiration.days }
          : r.expiration.date !== undefined ? { Date: new Date(r.expiration.date).toISOString().replace(".000Z", "Z") } : { ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker === true };
      }
      if (r.noncurrent) node.NoncurrentVersionExpiration = { NoncurrentDays: r.noncurrent.days, ...(r.noncurrent.newer !== undefined ? { NewerNoncurrentVersions: r.noncurrent.newer } : {}) };
      if (r.abortAfterDays !== undefined) node.AbortIncompleteMultipartUpload = { DaysAfterInitiation: r.abortAfterDays };
      return node;
    }),
  };
}

export const getBucketLifecycleConfiguration: OperationHandler<"GetBucketLifecycleConfiguration"> = async (req) => {
  const rules = await req.engine.lifecycle.get(req.requester, req.params.bucket);
  return { xml: { root: ROOT, body: renderLifecycle(rules) } };
};

export const putBucketLifecycleConfiguration: OperationHandler<"PutBucketLifecycleConfiguration"> = async (req) => {
  await req.engine.lifecycle.set(req.requester, req.params.bucket, parseLifecycle(await readXmlBody(req.body)));
  return {};
};

export const deleteBucketLifecycle: OperationHandler<"DeleteBucketLifecycle"> = async (req) => {
  await req.engine.lifecycle.set(req.requester, req.params.bucket, null);
  return { status: 204 };
};

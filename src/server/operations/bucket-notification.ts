// Get/PutBucketNotificationConfiguration: a bucket's event notifications as S3's XML. Queue, Topic and
// CloudFunction (Lambda) configurations are kept apart (each rule remembers which it was) and name a
// configured target by ARN; EventBridge has no counterpart here and is refused rather than ignored.
import { S3Error } from "../../errors.ts";
import type { NotificationRule } from "../../metadata/store.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";

const KINDS = [
  { kind: "Queue", element: "QueueConfiguration", arn: "Queue" },
  { kind: "Topic", element: "TopicConfiguration", arn: "Topic" },
  { kind: "CloudFunction", element: "CloudFunctionConfiguration", arn: "CloudFunction" },
] as const;

const ROOT = "NotificationConfiguration";
const LISTS = KINDS.flatMap((k) => [`${ROOT}.${k.element}`, `${ROOT}.${k.element}.Event`, `${ROOT}.${k.element}.Filter.S3Key.FilterRule`]);

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" ? String(v) : v === "" ? "" : undefined);

function filterOf(filter: unknown): { prefix?: string; suffix?: string } {
  if (filter === undefined || filter === "") return {};
  const rules = (filter as { S3Key?: { FilterRule?: unknown[] } })?.S3Key?.FilterRule;
  if (!Array.isArray(rules)) throw new S3Error("MalformedXML");
  const out: { prefix?: string; suffix?: string } = {};
  for (const rule of rules as Array<{ Name?: unknown; Value?: unknown }>) {
    const name = text(rule?.Name)?.toLowerCase();
    const value = text(rule?.Value) ?? "";
    if (name !== "prefix" && name !== "suffix") {
      throw new S3Error("InvalidArgument", { message: "filter rule name must be either prefix or suffix", detail: { ArgumentName: "FilterRule", ArgumentValue: String(rule?.Name ?? "") } });
    }
    if (out[name] !== undefined) {
      throw new S3Error("InvalidArgument", { message: `Cannot specify more than one ${name} rule in a filter.`, detail: { ArgumentName: "FilterRule", ArgumentValue: name } });
    }
    if (value.length > 1024) throw new S3Error("InvalidArgument", { message: "The filter rule value is too long.", detail: { ArgumentName: "FilterRule", ArgumentValue: name } });
    out[name] = value;
  }
  return out;
}

export function parseNotification(xml: string): Array<Omit<NotificationRule, "target">> {
  const doc = parseXml(xml, LISTS);
  const root = doc[ROOT];
  if (root === undefined) throw new S3Error("MalformedXML");
  if (root === "") return [];
  if (typeof root !== "object" || root === null) throw new S3Error("MalformedXML");
  const node = root as Record<string, unknown>;
  for (const name of Object.keys(node)) {
    if (name.startsWith("@_") || name.startsWith("#")) continue;
    if (name === "EventBridgeConfiguration") {
      throw new S3Error("InvalidArgument", { message: "EventBridge is not available here: name a configured target in a Queue, Topic or CloudFunction configuration.", detail: { ArgumentName: name, ArgumentValue: "" } });
    }
    if (!KINDS.some((k) => k.element === name)) throw new S3Error("MalformedXML");
  }
  const rules: Array<Omit<NotificationRule, "target">> = [];
  for (const k of KINDS) {
    for (const c of (node[k.element] as Array<Record<string, unknown>> | undefined) ?? []) {
      const arn = text(c?.[k.arn]);
      const events = ((c?.Event as unknown[]) ?? []).map(text);
      if (!arn || events.length === 0 || events.some((e) => !e)) throw new S3Error("MalformedXML");
      const id = text(c.Id) || Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
      if (id.length > 255) throw new S3Error("InvalidArgument", { message: "The Id is too long.", detail: { ArgumentName: "Id", ArgumentValue: id } });
      rules.push({ id, kind: k.kind, arn, events: events as string[], ...filterOf(c.Filter) });
    }
  }
  return rules;
}

export function renderNotification(rules: NotificationRule[]): XmlNode {
  const body: XmlNode = {};
  for (const k of KINDS) {
    const mine = rules.filter((r) => r.kind === k.kind);
    if (mine.length === 0) continue;
    body[k.element] = mine.map((r) => {
      const node: XmlNode = { Id: r.id, [k.arn]: r.arn, Event: r.events };
      const filter: XmlNode[] = [];
      if (r.prefix !== undefined) filter.push({ Name: "Prefix", Value: r.prefix });
      if (r.suffix !== undefined) filter.push({ Name: "Suffix", Value: r.suffix });
      if (filter.length > 0) node.Filter = { S3Key: { FilterRule: filter } };
      return node;
    });
  }
  return body;
}

export const getBucketNotificationConfiguration: OperationHandler<"GetBucketNotificationConfiguration"> = async (req) => {
  const rules = await req.engine.notifications.get(req.requester, req.params.bucket);
  return { xml: { root: ROOT, body: renderNotification(rules) } };
};

export const putBucketNotificationConfiguration: OperationHandler<"PutBucketNotificationConfiguration"> = async (req) => {
  const rules = parseNotification(await readXmlBody(req.body));
  await req.engine.notifications.set(req.requester, req.params.bucket, rules);
  return {};
};

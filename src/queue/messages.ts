// What goes on the wire for an event: the family's envelope (SPEC §10/§12) for the global queue, and
// AWS's S3 event message structure ({"Records": [...]}) for bucket notifications.
import type { StoredEvent } from "../metadata/events.ts";
import type { OutMessage } from "./target.ts";

/** camelCase → snake_case, remembered: events carry a handful of field names, each converted once. */
const snakeNames = new Map<string, string>();
function snake(name: string): string {
  let s = snakeNames.get(name);
  if (s === undefined) {
    s = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snakeNames.size < 256) snakeNames.set(name, s);
  }
  return s;
}

/** The family's envelope: {id, type, timestamp (ISO 8601, ms), source (node id), request_id, data}. */
export function envelope(event: StoredEvent, source: string): OutMessage {
  const data: Record<string, unknown> = {};
  for (const k in event.data) {
    // Who made the change is in the envelope's request, not in its data.
    if (k === "requester" || k === "sourceIp") continue;
    data[snake(k)] = event.data[k];
  }
  const body = JSON.stringify({
    id: event.id, type: event.type, timestamp: new Date(event.timestamp).toISOString(), source, request_id: event.requestId, data,
  });
  return { id: event.id, type: event.type, bucket: typeof event.data.bucket === "string" ? event.data.bucket : "", body };
}

/** The S3 event name (s3:ObjectCreated:Put, ...) of an event, or undefined if S3 has none for it. */
export function s3EventName(event: StoredEvent): string | undefined {
  switch (event.type) {
    case "object.created":
    case "object.deleted":
      return String(event.data.eventName);
    case "object.acl.updated":
      return "s3:ObjectAcl:Put";
    case "object.tagging.updated":
      return event.data.removed === true ? "s3:ObjectTagging:Delete" : "s3:ObjectTagging:Put";
    default:
      return undefined;
  }
}

/** A key as S3 puts it in an event: form-URL-encoded (a space is "+"), "/" kept. */
export const eventKey = (key: string) => encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");

/** The 16 hex digits that order a key's events (S3's sequencer: compare as strings of equal length). */
export const sequencer = (seq: number) => seq.toString(16).toUpperCase().padStart(16, "0");

export interface RecordContext {
  region: string;
  configurationId: string;
  /** The bucket owner's canonical id. */
  ownerId: string;
}

/** One event as AWS's S3 event message: {"Records": [one record]}. */
export function s3Record(event: StoredEvent, name: string, ctx: RecordContext): OutMessage {
  const d = event.data;
  const bucket = String(d.bucket);
  const object: Record<string, unknown> = { key: eventKey(String(d.key)) };
  if (typeof d.size === "number") object.size = d.size;
  if (typeof d.etag === "string") object.eTag = d.etag.replace(/"/g, "");
  if (typeof d.versionId === "string" && d.versionId !== "null") object.versionId = d.versionId;
  object.sequencer = sequencer(event.seq);
  const record = {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: ctx.region,
    eventTime: new Date(event.timestamp).toISOString(),
    eventName: name.replace(/^s3:/, ""),
    userIdentity: { principalId: typeof d.requester === "string" && d.requester ? d.requester : "anonymous" },
    requestParameters: { sourceIPAddress: typeof d.sourceIp === "string" ? d.sourceIp : "" },
    responseElements: { "x-amz-request-id": event.requestId, "x-amz-id-2": event.requestId },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: ctx.configurationId,
      bucket: { name: bucket, ownerIdentity: { principalId: ctx.ownerId }, arn: `arn:aws:s3:::${bucket}` },
      object,
    },
  };
  return { id: `${event.id}:${ctx.configurationId}`, type: name, bucket, body: JSON.stringify({ Records: [record] }) };
}

/** The message S3 sends to a target when a configuration naming it is saved. */
export function testEvent(bucket: string, requestId: string, at: number): OutMessage {
  const body = JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Time: new Date(at).toISOString(), Bucket: bucket, RequestId: requestId, HostId: requestId });
  return { id: `test:${requestId}:${bucket}`, type: "s3:TestEvent", bucket, body };
}

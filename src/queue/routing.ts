// Bucket notifications: which events a target hears. A bucket's notification rules (saved with
// PutBucketNotificationConfiguration) name a target, S3 event names (with "*" wildcards such as
// s3:ObjectCreated:*) and optional key prefix/suffix filters; each matching rule makes one message in
// AWS's S3 event structure. Saving a configuration sends s3:TestEvent to the targets it names. Rules
// are read when an event is delivered (the bucket's configuration at that moment).
import type { StoredEvent } from "../metadata/events.ts";
import type { BucketRecord, NotificationRule } from "../metadata/store.ts";
import type { Route } from "./delivery.ts";
import { eventKey, s3EventName, s3Record, testEvent } from "./messages.ts";

/** Whether an S3 event name matches a rule's event (exact, or "s3:ObjectCreated:*" for a family). */
export function eventMatches(pattern: string, name: string): boolean {
  if (pattern.endsWith(":*")) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

/**
 * Whether a rule selects an event of `key`. Filter values are compared with the key as it is and as
 * S3 URL-encodes it (its documentation has special characters in filters written URL-encoded).
 */
export function ruleMatches(rule: NotificationRule, name: string, key: string): boolean {
  if (!rule.events.some((p) => eventMatches(p, name))) return false;
  const encoded = eventKey(key);
  if (rule.prefix && !key.startsWith(rule.prefix) && !encoded.startsWith(rule.prefix)) return false;
  if (rule.suffix && !key.endsWith(rule.suffix) && !encoded.endsWith(rule.suffix)) return false;
  return true;
}

/** The bucket's current record, or null when it is gone. */
export type BucketLookup = (name: string) => Promise<BucketRecord | null>;

/** What target `targetId` is sent of each event, by the notification rules of its bucket. */
export function notificationRoute(targetId: string, lookup: BucketLookup, region: string): Route {
  return async (event: StoredEvent) => {
    const bucketName = typeof event.data.bucket === "string" ? event.data.bucket : "";
    if (event.type === "bucket.notification.updated") {
      const named = String(event.data.targets ?? "").split(",");
      return named.includes(targetId) ? [{ ...testEvent(bucketName, event.requestId, event.timestamp), id: `${event.id}:test` }] : [];
    }
    const name = s3EventName(event);
    if (!name || !bucketName) return [];
    const bucket = await lookup(bucketName);
    const rules = bucket?.notification?.filter((r) => r.target === targetId && ruleMatches(r, name, String(event.data.key))) ?? [];
    return rules.map((rule) => s3Record(event, name, { region, configurationId: rule.id, ownerId: bucket!.owner.id }));
  };
}

// When lifecycle rules are due, as S3 counts: a rule's Days added to the time an object was created (or
// became noncurrent, or an upload was initiated), then rounded up to the next day boundary — midnight
// UTC with real days, a multiple of lifecycle.day_seconds since the epoch with shorter ones. The worker
// acts at those times and the x-amz-expiration / x-amz-abort-date headers announce the same ones.
import type { LifecycleRule, ObjectRecord } from "../metadata/store.ts";

export interface Due {
  date: number;
  ruleId: string;
}

/** `days` after `from`, rounded up to the next day boundary. */
export function dueAt(from: number, days: number, dayMs: number): number {
  return Math.ceil((from + days * dayMs) / dayMs) * dayMs;
}

/** Whether a rule's prefix and size bounds hold for a version (a delete marker has no size). */
export function boundsMatch(rule: LifecycleRule, v: { key: string; size: number; deleteMarker?: boolean }): boolean {
  if (rule.prefix && !v.key.startsWith(rule.prefix)) return false;
  if (!v.deleteMarker && rule.sizeGreaterThan !== undefined && !(v.size > rule.sizeGreaterThan)) return false;
  return v.deleteMarker || rule.sizeLessThan === undefined || v.size < rule.sizeLessThan;
}

/** Whether a rule's whole filter holds for a version (its tags known; a delete marker has neither size nor tags). */
export function ruleMatches(rule: LifecycleRule, v: { key: string; size: number; deleteMarker?: boolean; tags?: Record<string, string> }): boolean {
  if (!boundsMatch(rule, v)) return false;
  if (rule.tags) {
    if (v.deleteMarker) return false;
    for (const [k, value] of Object.entries(rule.tags)) if (v.tags?.[k] !== value) return false;
  }
  return true;
}

/** When the current version `r` expires, and by which enabled rule (the earliest); undefined if none applies. */
export function expiryOf(rules: LifecycleRule[] | undefined, r: ObjectRecord, dayMs: number): Due | undefined {
  let due: Due | undefined;
  for (const rule of rules ?? []) {
    const exp = rule.expiration;
    if (!rule.enabled || !exp || (exp.days === undefined && exp.date === undefined) || r.deleteMarker || !ruleMatches(rule, r)) continue;
    const date = exp.days !== undefined ? dueAt(r.lastModified, exp.days, dayMs) : exp.date!;
    if (!due || date < due.date) due = { date, ruleId: rule.id };
  }
  return due;
}

/** When an upload of `key` initiated at `initiated` is aborted, and by which enabled rule (the earliest). */
export function abortOf(rules: LifecycleRule[] | undefined, key: string, initiated: number, dayMs: number): Due | undefined {
  let due: Due | undefined;
  for (const rule of rules ?? []) {
    if (!rule.enabled || rule.abortAfterDays === undefined || (rule.prefix && !key.startsWith(rule.prefix))) continue;
    const date = dueAt(initiated, rule.abortAfterDays, dayMs);
    if (!due || date < due.date) due = { date, ruleId: rule.id };
  }
  return due;
}

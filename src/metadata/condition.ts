// Write and delete preconditions (If-None-Match: *, If-Match) and Object Lock, checked by every
// engine inside the atomic step they guard.
import { noSuchKey, S3Error } from "../errors.ts";
import type { ObjectRecord, Retention, WriteCondition } from "./store.ts";

/** Object Lock: a version under legal hold or unexpired retention may not be removed. */
export function checkLock(record: ObjectRecord, bypassGovernance = false, now = Date.now()): void {
  if (record.legalHold) throw new S3Error("AccessDenied", { message: "Access Denied because object protected by object lock." });
  const r = record.retention;
  if (r && r.until > now && (r.mode === "COMPLIANCE" || !bypassGovernance)) {
    throw new S3Error("AccessDenied", { message: "Access Denied because object protected by object lock." });
  }
}

/** A retention may be extended; COMPLIANCE is never shortened, removed or weakened, GOVERNANCE only with the bypass. */
export function checkRetentionChange(current: Retention | undefined, next: Retention | null, bypassGovernance = false, now = Date.now()): void {
  if (!current || current.until <= now) return;
  const weaker = next === null || next.until < current.until || (current.mode === "COMPLIANCE" && next.mode === "GOVERNANCE");
  if (!weaker) return;
  if (current.mode === "COMPLIANCE" || !bypassGovernance) {
    throw new S3Error("AccessDenied", { message: "Access Denied because object protected by object lock." });
  }
}

/**
 * `deleting`: the step removes the object (a delete, or a delete marker written over it). Then a
 * current delete marker fails If-Match with 412, as S3's conditional deletes do; for a write it is a
 * key without an object (404). A key with no version at all is 404 either way.
 */
export function checkCondition(key: string, current: ObjectRecord | null, condition: WriteCondition | undefined, deleting = false): void {
  if (!condition) return;
  const live = current !== null && current.deleteMarker !== true;
  if (condition.ifNoneMatch && live) {
    throw new S3Error("PreconditionFailed", { detail: { Condition: "If-None-Match" } });
  }
  if (condition.ifMatch !== undefined) {
    if (!current || (!live && !deleting)) throw noSuchKey(key);
    if (!live || (condition.ifMatch !== "*" && condition.ifMatch !== current.etag)) {
      throw new S3Error("PreconditionFailed", { detail: { Condition: "If-Match" } });
    }
  }
}

// Write and delete preconditions (If-None-Match: *, If-Match) checked by every engine inside the
// atomic step they guard, against the key's current version.
import { noSuchKey, S3Error } from "../errors.ts";
import type { ObjectRecord, WriteCondition } from "./store.ts";

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

// Write preconditions (If-None-Match: *, If-Match) checked by every engine inside its atomic write.
import { noSuchKey, S3Error } from "../errors.ts";
import type { ObjectRecord, WriteCondition } from "./store.ts";

export function checkCondition(key: string, current: ObjectRecord | null, condition: WriteCondition | undefined): void {
  if (!condition) return;
  if (condition.ifNoneMatch && current) {
    throw new S3Error("PreconditionFailed", { detail: { Condition: "If-None-Match" } });
  }
  if (condition.ifMatch !== undefined) {
    if (!current) throw noSuchKey(key);
    if (condition.ifMatch !== "*" && condition.ifMatch !== current.etag) {
      throw new S3Error("PreconditionFailed", { detail: { Condition: "If-Match" } });
    }
  }
}

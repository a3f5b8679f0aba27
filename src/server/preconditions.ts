// Write and delete preconditions from request headers (If-None-Match: *, If-Match), shared by every
// operation that takes them; the stores check them atomically with the change they guard.
import { etagList } from "../core/conditions.ts";
import { S3Error } from "../errors.ts";
import type { WriteCondition } from "../metadata/store.ts";

/** If-None-Match: * and If-Match: <etag> | * on a write or a delete. */
export function writeCondition(headers: Headers): WriteCondition | undefined {
  const noneMatch = headers.get("if-none-match");
  const match = headers.get("if-match");
  if (noneMatch === null && match === null) return undefined;
  if (noneMatch !== null && noneMatch.trim() !== "*") {
    throw new S3Error("NotImplemented", { message: "If-None-Match on a write accepts only *." });
  }
  const condition: WriteCondition = {};
  if (noneMatch !== null) condition.ifNoneMatch = true;
  if (match !== null) condition.ifMatch = etagList(match)[0] ?? "";
  return condition;
}

// Applying a settings change (ACL, versioning, tags) to a record, the same way in every engine.
import type { BucketChange, BucketRecord, ObjectChange, ObjectRecord } from "./store.ts";

/** The record with the change applied: given fields replace, tags: null removes the tags. */
export function applyChange<R extends BucketRecord | ObjectRecord>(record: R, change: BucketChange | ObjectChange): R {
  const out: Record<string, unknown> = { ...record };
  for (const [field, value] of Object.entries(change)) {
    // How a change may be made, not what it changes.
    if (value === undefined || field === "bypassGovernance") continue;
    if (value === null) delete out[field];
    else out[field] = value;
  }
  return out as R;
}

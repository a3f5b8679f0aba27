// The memory engine's state: per bucket, a key-sorted array (UTF-8 order) beside maps of current and
// noncurrent versions, the binary searches over them, and the shape of a captured state.
import { compareKeys } from "./listing.ts";
import type { StoredEvent } from "./events.ts";
import type { BucketRecord, Credential, ObjectRecord, PartRecord, RecordKind, UploadRecord } from "./store.ts";
import { versionSortKey } from "./versions.ts";

export interface BucketState {
  record: BucketRecord;
  /** Keys with a current version (delete markers included), in key order. */
  keys: string[];
  /** Current versions. */
  objects: Map<string, ObjectRecord>;
  /** Noncurrent versions per key, newest first (ascending versionSortKey). */
  older: Map<string, ObjectRecord[]>;
  /** Versions that are not delete markers, and the sum of their sizes. */
  count: number;
  bytes: number;
}

/** Where a version with this sort key goes in a newest-first list of versions. */
export function lowerBoundBy(versions: ObjectRecord[], sortKey: string): number {
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (versionSortKey(versions[mid]!) < sortKey) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key >= `key` (or > `key` when not inclusive). */
export function lowerBound(keys: string[], key: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The whole state of a memory engine at one instant, by reference: every record in it is replaced,
 * never changed in place, once captured, so the capture stays true while writes go on (the local
 * engine writes it out as a snapshot, asynchronously). Objects come per bucket in key order, each
 * key's versions newest first: the first version of a key is its current one.
 */
export interface MemoryState {
  credentials: Credential[];
  /** Small records (getRecord); snapshots written before they existed have none. */
  records: Array<{ kind: RecordKind; id: string; value: string }>;
  buckets: BucketRecord[];
  objects: ObjectRecord[];
  uploads: UploadRecord[];
  parts: PartRecord[];
  events: StoredEvent[];
  seq: number;
}

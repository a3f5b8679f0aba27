// Object versions, shared by every engine: version ids that sort newest first, the order of a key's
// versions, and ListObjectVersions as one page built from two engine primitives (a seek over the keys'
// current versions, and the versions of one key).
import { invalidArgument } from "../errors.ts";
import { compareKeys, listPage, type Seek } from "./listing.ts";
import { NULL_VERSION, type ObjectRecord, type VersionEntry, type VersionPage, type VersionQuery } from "./store.ts";

// Ids are 16 hex digits of (2^53 - 1 - microseconds since the epoch), then 16 random hex digits: a
// later version has a smaller id, so ascending id order is newest first in every engine's index.
const TOP = 2 ** 53 - 1;
let lastMicros = 0;

const hex16 = (n: number) => n.toString(16).padStart(16, "0");

/** A new version id, later than every id this process made before. */
export function newVersionId(): string {
  lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
  const random = crypto.getRandomValues(new Uint32Array(2));
  return hex16(TOP - lastMicros) + random[0]!.toString(16).padStart(8, "0") + random[1]!.toString(16).padStart(8, "0");
}

const VERSION_ID = /^[0-9a-f]{32}$/;

/** InvalidArgument unless `id` is a version id this server could have made (or "null"). */
export function assertVersionId(id: string): void {
  if (id !== NULL_VERSION && !VERSION_ID.test(id)) throw invalidArgument("Invalid version id specified", "versionId", id);
}

/**
 * Where a version sorts among the versions of its key (ascending = newest first). The null version has
 * no time in its id, so its last-modified time stands in, ranked after any id made in the same µs.
 */
export function versionSortKey(record: Pick<ObjectRecord, "versionId" | "lastModified">): string {
  return record.versionId === NULL_VERSION ? `${hex16(TOP - record.lastModified * 1000)}~` : record.versionId;
}

export function versionEntry(record: ObjectRecord, isLatest: boolean): VersionEntry {
  return {
    key: record.key, versionId: record.versionId, isLatest, deleteMarker: record.deleteMarker === true,
    size: record.size, etag: record.etag, lastModified: record.lastModified, storageClass: record.storageClass, owner: record.owner,
  };
}

/**
 * The versions of one key, newest first (current first), at most `limit`; with `after`, only those
 * older than that version of the key (none if it has no such version).
 */
export type VersionsOf = (key: string, after: string | undefined, limit: number) => Promise<VersionEntry[]>;

/**
 * One page of ListObjectVersions. `seek` walks the keys that have a current version (delete markers
 * included) in key order; common prefixes count as one entry, each version as one.
 */
export async function listVersionPage(query: VersionQuery, seek: Seek, versionsOf: VersionsOf): Promise<VersionPage> {
  const { prefix, delimiter, keyMarker, versionIdMarker, maxKeys } = query;
  const page: VersionPage = { versions: [], commonPrefixes: [], isTruncated: false };
  let room = maxKeys;
  const take = (versions: VersionEntry[], more: boolean): boolean => {
    const kept = versions.slice(0, room);
    page.versions.push(...kept);
    room -= kept.length;
    if (kept.length < versions.length || (more && room === 0)) {
      const last = kept.at(-1) ?? page.versions.at(-1);
      page.isTruncated = true;
      if (last) {
        page.nextKeyMarker = last.key;
        page.nextVersionIdMarker = last.versionId;
      }
      return false;
    }
    return true;
  };
  if (room <= 0) return page;
  // Resume inside the marker key: its versions older than the marker version.
  if (keyMarker !== "" && versionIdMarker !== "" && keyMarker.startsWith(prefix)) {
    const rest = await versionsOf(keyMarker, versionIdMarker, room + 1);
    // Whether anything follows decides truncation when the marker key's versions fill the page.
    const next = rest.length >= room ? await listPage({ prefix, delimiter, after: keyMarker, maxKeys: 1 }, seek) : undefined;
    const more = next !== undefined && next.entries.length + next.commonPrefixes.length > 0;
    if (!take(rest, more)) return page;
  }
  // Then the keys after it: one listing page of keys, each expanded into its versions.
  const keys = await listPage({ prefix, delimiter, after: keyMarker, maxKeys: room }, seek);
  const items = [
    ...keys.entries.map((e) => ({ key: e.key, common: false })),
    ...keys.commonPrefixes.map((p) => ({ key: p, common: true })),
  ].sort((a, b) => compareKeys(a.key, b.key));
  for (const [i, item] of items.entries()) {
    const more = i < items.length - 1 || keys.isTruncated;
    if (item.common) {
      page.commonPrefixes.push(item.key);
      room--;
      if (more && room === 0) {
        page.isTruncated = true;
        page.nextKeyMarker = item.key;
        return page;
      }
      continue;
    }
    if (!take(await versionsOf(item.key, undefined, room + 1), more)) return page;
  }
  return page;
}

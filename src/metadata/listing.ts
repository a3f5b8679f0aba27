// Key order and the prefix/delimiter roll-up shared by every engine that can seek in key order.
// S3 lists keys in UTF-8 byte order, which is Unicode code point order (not JS's UTF-16 order).
import type { ListEntry, ListPage, ListQuery, UploadRecord } from "./store.ts";

/** Compares two keys in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (supplementary code points) sort after U+E000..U+FFFF in code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The smallest key greater than every key that starts with `prefix`; null when there is none. */
export function prefixEnd(prefix: string): string | null {
  // Most prefixes end in a character of the Basic Multilingual Plane whose successor is one too.
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last < 0xd7ff || (last >= 0xe000 && last < 0xffff)) return prefix.slice(0, -1) + String.fromCharCode(last + 1);
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}

/**
 * Up to `limit` entries in key order starting at `from` (inclusive or not): the one ordered read every
 * engine provides (an index range, a query page, a cursor) for the shared listing below. An engine
 * that answers in process returns the array itself: a listing of many common prefixes makes many
 * seeks, and each await would cost a turn of the microtask queue.
 */
export type Seek = (from: string, inclusive: boolean, limit: number) => ListEntry[] | Promise<ListEntry[]>;

/**
 * A delimiter listing's whole skip scan in one call, for an engine that can run it in place (SQLite):
 * up to `limit` entries from `from`, each following one past its predecessor — past every key under
 * the predecessor's common prefix (the part of its key up to the first `delimiter` after `prefix`),
 * or, for a key with none, past that key — ending after the first key outside `prefix`.
 */
export type Walk = (from: string, inclusive: boolean, prefix: string, delimiter: string, limit: number) => ListEntry[];

/**
 * One page of a listing: keys under `prefix`, rolled up at `delimiter` into common prefixes, starting
 * after `query.after`. Each common prefix costs one seek past it, never a scan of the keys inside it.
 * Seeks ask for what the page can still use; with a delimiter they start with one entry (the next key
 * may well open a new common prefix) and double while keys keep coming without one.
 */
export async function listPage(query: ListQuery, seek: Seek, walk?: Walk): Promise<ListPage> {
  const page: ListPage = { entries: [], commonPrefixes: [], isTruncated: false };
  if (walk && query.delimiter) fillByWalk(page, query, walk);
  else await fill(page, query, seek);
  if (!page.isTruncated) delete page.nextMarker;
  return page;
}

/** Where a page starts reading: after the marker, or at the prefix; null when nothing can follow. */
function start({ prefix, delimiter, after }: ListQuery): { from: string; inclusive: boolean } | null {
  const from = compareKeys(after, prefix) >= 0 ? after : prefix;
  // A marker that is itself a common prefix (a page that ended on one): every key that starts with it
  // rolls up into it again, so start past all of them instead of seeking into it first.
  if (delimiter && from === after && after.startsWith(prefix) && after.endsWith(delimiter) && after.indexOf(delimiter, prefix.length) === after.length - delimiter.length) {
    const end = prefixEnd(after);
    return end === null ? null : { from: end, inclusive: true };
  }
  return { from, inclusive: from !== after };
}

/**
 * The roll-up every listing shares: each entry read in key order is listed as itself, or as the
 * common prefix it rolls up into (once, and only past the marker), until one falls outside the prefix
 * or the page is full (then truncated): "stop".
 */
class RollUp {
  count = 0;
  constructor(private readonly page: ListPage, private readonly query: ListQuery) {}

  take(entry: ListEntry): "stop" | "key" | { common: string } {
    const { prefix, delimiter, after, maxKeys } = this.query;
    const key = entry.key;
    if (!key.startsWith(prefix)) return "stop";
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
    const counts = common === undefined || compareKeys(common, after) > 0;
    if (counts && this.count === maxKeys) {
      this.page.isTruncated = true;
      return "stop";
    }
    if (counts) this.count++;
    if (common === undefined) {
      this.page.entries.push(entry);
      this.page.nextMarker = key;
      return "key";
    }
    if (counts) {
      this.page.commonPrefixes.push(common);
      this.page.nextMarker = common;
    }
    return { common };
  }
}

/** The delimiter listing over a Walk: the same roll-up as fill, with the seeks made by the engine. */
function fillByWalk(page: ListPage, query: ListQuery, walk: Walk): void {
  const at = query.maxKeys > 0 ? start(query) : null;
  if (!at) return;
  let { from, inclusive } = at;
  const roll = new RollUp(page, query);
  for (;;) {
    // One more than the page can hold tells whether it is truncated; one more still for a first key
    // whose common prefix the marker already passed.
    const want = Math.min(query.maxKeys - roll.count + 2, 1002);
    const entries = walk(from, inclusive, query.prefix, query.delimiter, want);
    for (const entry of entries) {
      const taken = roll.take(entry);
      if (taken === "stop") return;
      if (taken === "key") {
        from = entry.key;
        inclusive = false;
        continue;
      }
      const end = prefixEnd(taken.common);
      if (end === null) return;
      from = end;
      inclusive = true;
    }
    if (entries.length < want) return;
  }
}

async function fill(page: ListPage, query: ListQuery, seek: Seek): Promise<void> {
  const { delimiter, maxKeys } = query;
  const at = maxKeys > 0 ? start(query) : null;
  if (!at) return;
  let { from, inclusive } = at;
  const roll = new RollUp(page, query);
  let batch = 1;
  for (;;) {
    // One more than the page can hold tells whether it is truncated.
    const want = delimiter ? Math.min(batch, maxKeys - roll.count + 1) : maxKeys - roll.count + 1;
    const found = seek(from, inclusive, want);
    const entries = Array.isArray(found) ? found : await found;
    let restart: string | null | undefined;
    for (const entry of entries) {
      const taken = roll.take(entry);
      if (taken === "stop") return;
      if (taken !== "key") {
        restart = prefixEnd(taken.common);
        break;
      }
    }
    if (restart === null) return;
    if (restart !== undefined) {
      from = restart;
      inclusive = true;
      batch = 1;
      continue;
    }
    // The batch held no common prefix: the end, or more keys to read after the last one.
    if (entries.length < want) return;
    from = entries.at(-1)!.key;
    inclusive = false;
    batch = Math.min(batch * 2, 1000);
  }
}

/**
 * ListMultipartUploads for engines that read a bucket's uploads whole: those in progress under
 * `prefix`, by key (UTF-8 order) then upload id, strictly after `after` (an upload id of "" is
 * before all of a key's uploads; none given, after all of them), at most `limit`.
 */
export function uploadsPage(uploads: Iterable<UploadRecord>, prefix: string, after: { key: string; uploadId?: string }, limit: number): UploadRecord[] {
  const isAfter = (u: UploadRecord) => {
    const c = compareKeys(u.key, after.key);
    return c > 0 || (c === 0 && after.uploadId !== undefined && u.uploadId > after.uploadId);
  };
  return [...uploads]
    .filter((u) => u.completedEtag === undefined && u.key.startsWith(prefix) && isAfter(u))
    .sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.uploadId, b.uploadId))
    .slice(0, limit);
}

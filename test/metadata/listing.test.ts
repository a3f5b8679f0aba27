// The shared listing (listPage) against a plain reference over random keys, prefixes, delimiters and
// markers, and the number of seeks a delimited listing costs: one per common prefix and one to tell
// whether a page is truncated, none spent re-entering the common prefix a page ended on.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compareKeys, listPage, prefixEnd, type Seek } from "../../src/metadata/listing.ts";
import type { ListEntry, ListQuery } from "../../src/metadata/store.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteMetadataStore } from "../../src/metadata/sqlite.ts";
import { bucketRecord, objectRecord } from "../contract/metadata.contract.ts";

function seekOver(keys: string[]): { seek: Seek; calls: () => number } {
  const sorted = [...new Set(keys)].sort(compareKeys);
  let calls = 0;
  const seek: Seek = (from, inclusive, limit) => {
    calls++;
    const at = sorted.findIndex((k) => (inclusive ? compareKeys(k, from) >= 0 : compareKeys(k, from) > 0));
    return (at < 0 ? [] : sorted.slice(at, at + limit)).map((key): ListEntry => ({ key, size: 0, etag: "", lastModified: 0, storageClass: "STANDARD", owner: { id: "o", displayName: "o" } }));
  };
  return { seek, calls: () => calls };
}

/** What S3 lists: every key after the marker under the prefix, rolled up, the first maxKeys of them. */
function reference(keys: string[], q: ListQuery): { items: string[]; truncated: boolean } {
  const items: string[] = [];
  for (const key of [...new Set(keys)].sort(compareKeys)) {
    if (!key.startsWith(q.prefix)) continue;
    const cut = q.delimiter ? key.indexOf(q.delimiter, q.prefix.length) : -1;
    const item = cut >= 0 ? key.slice(0, cut + q.delimiter.length) : key;
    if (compareKeys(item, q.after) <= 0 || items.at(-1) === item) continue;
    items.push(item);
  }
  // max-keys=0 answers nothing and is not truncated (what the listing has always answered).
  return { items: items.slice(0, q.maxKeys), truncated: q.maxKeys > 0 && items.length > q.maxKeys };
}

describe("prefixEnd", () => {
  test("is the prefix with its last code point's successor (surrogates skipped), for any string", () => {
    const reference = (prefix: string): string | null => {
      const points = Array.from(prefix).map((c) => c.codePointAt(0)!);
      while (points.length > 0) {
        const last = points.pop()!;
        if (last < 0x10ffff) return String.fromCodePoint(...points, last + 1 === 0xd800 ? 0xe000 : last + 1);
      }
      return null;
    };
    const char = fc.oneof(fc.constantFrom("a", "/", "\uD7FE", "\uD7FF", "\uE000", "\uFFFE", "\uFFFF", "\u{10000}", "\u{10FFFE}", "\u{10FFFF}", "\u0000"), fc.string({ unit: "binary", maxLength: 1 }));
    fc.assert(fc.property(fc.array(char, { maxLength: 4 }), (chars) => {
      const prefix = chars.join("");
      expect(prefixEnd(prefix)).toBe(reference(prefix));
    }), { numRuns: 3000 });
  });
});

describe("listPage", () => {
  test("matches the reference for random keys, prefixes, delimiters and markers", async () => {
    const part = fc.constantFrom("a", "b", "/", "//", "ab", "é", "\u{1F600}");
    const key = fc.array(part, { maxLength: 5 }).map((p) => p.join(""));
    await fc.assert(fc.asyncProperty(
      fc.array(key, { maxLength: 30 }), fc.constantFrom("", "a", "a/", "b"), fc.constantFrom("", "/", "//", "ab", "b"), key, fc.integer({ min: 0, max: 8 }),
      async (keys, prefix, delimiter, after, maxKeys) => {
        const q: ListQuery = { prefix, delimiter, after, maxKeys };
        const page = await listPage(q, seekOver(keys).seek);
        const got = [...page.entries.map((e) => e.key), ...page.commonPrefixes].sort(compareKeys);
        const want = reference(keys, q);
        expect(got).toEqual(want.items);
        expect(page.isTruncated).toBe(want.truncated);
      }), { numRuns: 2000 });
  });

  test("a delimited listing pages through 100 common prefixes with one seek each, plus one per page", async () => {
    const keys = Array.from({ length: 100 }, (_, p) => Array.from({ length: 20 }, (_, k) => `p${String(p).padStart(3, "0")}/k${k}`)).flat();
    const { seek, calls } = seekOver(keys);
    const seen: string[] = [];
    let after = "";
    let pages = 0;
    for (;;) {
      const page = await listPage({ prefix: "", delimiter: "/", after, maxKeys: 7 }, seek);
      seen.push(...page.commonPrefixes);
      pages++;
      if (!page.isTruncated) break;
      after = page.nextMarker!;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, p) => `p${String(p).padStart(3, "0")}/`));
    expect(pages).toBe(15);
    // 100 prefixes, and on each of the 14 truncated pages one seek that finds the next page's first.
    expect(calls()).toBe(100 + 14 + 1);
  });
});

describe("listObjects of the SQLite engine (its skip scan runs in one statement)", () => {
  test("matches the reference for random keys (NUL, U+FFFF and emoji too), prefixes, delimiters and markers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bleepstore-walk-"));
    const store = new SqliteMetadataStore(join(dir, "metadata.db"));
    await store.init();
    try {
      const part = fc.constantFrom("a", "b", "/", "//", "ab", "é", "\u{1F600}", "\u0000", "\uFFFF", "\u{10FFFF}");
      const key = fc.array(part, { minLength: 1, maxLength: 5 }).map((p) => p.join(""));
      let run = 0;
      await fc.assert(fc.asyncProperty(
        fc.array(key, { maxLength: 30 }), fc.constantFrom("", "a", "a/", "b", "\u0000"), fc.constantFrom("/", "//", "ab", "b", "\u0000", "é"),
        fc.oneof(fc.constant(""), key), fc.integer({ min: 0, max: 8 }), fc.array(fc.nat(29), { maxLength: 5 }),
        async (keys, prefix, delimiter, after, maxKeys, deleted) => {
          const bucket = `walk-${run++}`;
          await store.createBucket(bucketRecord(bucket));
          for (const k of new Set(keys)) await store.putObject(objectRecord(bucket, k));
          // Keys whose current version is a delete marker are not listed, nor do they make common prefixes.
          const gone = new Set(deleted.map((i) => keys[i]).filter((k): k is string => k !== undefined));
          for (const k of gone) await store.putObject({ ...objectRecord(bucket, k), versionId: "v1", deleteMarker: true });
          const live = keys.filter((k) => !gone.has(k));
          const q: ListQuery = { prefix, delimiter, after, maxKeys };
          const page = await store.listObjects(bucket, q);
          const got = [...page.entries.map((e) => e.key), ...page.commonPrefixes].sort(compareKeys);
          const want = reference(live, q);
          expect(got).toEqual(want.items);
          expect(page.isTruncated).toBe(want.truncated);
          expect(await listPage(q, seekOver(live).seek)).toEqual({ ...page, entries: page.entries.map((e) => ({ ...e, size: 0, etag: "", lastModified: 0, storageClass: "STANDARD", owner: { id: "o", displayName: "o" } })) });
        }), { numRuns: 400 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

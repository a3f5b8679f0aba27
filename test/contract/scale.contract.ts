// The cases of the metadata contract that break engines built for one local process: many concurrent
// writers on one key, a Complete over 10,000 parts, 1,000 deletes at once, listings over many pages.
// Run inside metadataContract for every engine.
import { expect, test } from "bun:test";
import type { ListQuery, MetadataStore } from "../../src/metadata/store.ts";
import { bucketRecord, objectRecord, partRecord, uploadRecord } from "./metadata.contract.ts";

export function scaleCases(open: () => MetadataStore) {
  test("concurrent writers on one key: one of them is current, the counters count one object", async () => {
    const store = open();
    await store.createBucket(bucketRecord("b"));
    const writes = Array.from({ length: 50 }, (_, i) => objectRecord("b", "hot", { size: i + 1, etag: String(i).padStart(32, "0") }));
    const results = await Promise.all(writes.map((w) => store.putObject(w)));
    const current = await store.getObject("b", "hot");
    expect(writes.map((w) => w.etag)).toContain(current!.etag);
    // Every write replaced exactly the one before it: the freed versions are all the others, once each.
    const freed = results.flatMap((r) => r.freed.map((f) => f.etag)).sort();
    expect(freed).toEqual(writes.map((w) => w.etag).filter((e) => e !== current!.etag).sort());
    expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 1, bytes: current!.size }]);
  });

  test("Complete of an upload with 10,000 parts, then its parts freed in batches", async () => {
    const store = open();
    await store.createBucket(bucketRecord("b"));
    await store.createUpload(uploadRecord("b", "big", "u"));
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.putPart(partRecord("u", i + 1))));
    const firstPage = await store.listParts("u", 0, 1000);
    expect(firstPage.parts.length).toBe(1000);
    expect(firstPage.nextPartNumberMarker).toBe(1000);
    await store.completeUpload("u", objectRecord("b", "big", { etag: "x-10000", partSizes: Array(10_000).fill(5) }));
    expect((await store.getObject("b", "big"))?.etag).toBe("x-10000");
    for (let left = 10_000; left > 0; left -= 1000) {
      expect(await store.uploadsWithParts(10)).toEqual(["u"]);
      const { parts } = await store.listParts("u", 0, 1000);
      await store.deleteParts("u", parts.map((p) => p.partNumber));
    }
    expect(await store.uploadsWithParts(10)).toEqual([]);
  });

  test("1,000 deletes at once each report what they removed", async () => {
    const store = open();
    await store.createBucket(bucketRecord("b"));
    const keys = Array.from({ length: 1000 }, (_, i) => `k/${String(i).padStart(4, "0")}`);
    await Promise.all(keys.map((k) => store.putObject(objectRecord("b", k))));
    const removed = await Promise.all([...keys, "k/missing"].map((k) => store.deleteObject("b", k)));
    expect(removed.filter((r) => r !== null).length).toBe(1000);
    expect(removed.at(-1)).toBeNull();
    expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 0, bytes: 0 }]);
  });

  test("listing across many pages: every key once, in order, with and without a delimiter", async () => {
    const store = open();
    await store.createBucket(bucketRecord("b"));
    const keys: string[] = [];
    for (let d = 0; d < 25; d++) for (let f = 0; f < 40; f++) keys.push(`dir${String(d).padStart(2, "0")}/file${String(f).padStart(2, "0")}`);
    for (let f = 0; f < 500; f++) keys.push(`top${String(f).padStart(3, "0")}`);
    await Promise.all(keys.map((k) => store.putObject(objectRecord("b", k))));
    const walk = async (q: Omit<ListQuery, "after">) => {
      const seen: string[] = [];
      let after = "";
      for (let pages = 0; pages < 100; pages++) {
        const page = await store.listObjects("b", { ...q, after });
        seen.push(...page.entries.map((e) => e.key), ...page.commonPrefixes);
        if (!page.isTruncated) return seen;
        after = page.nextMarker!;
      }
      throw new Error("listing did not end");
    };
    expect(await walk({ prefix: "", delimiter: "", maxKeys: 97 })).toEqual([...keys].sort());
    const rolled = await walk({ prefix: "", delimiter: "/", maxKeys: 7 });
    expect(rolled.length).toBe(525);
    expect(rolled.slice(0, 2)).toEqual(["dir00/", "dir01/"]);
    expect(await walk({ prefix: "dir07/", delimiter: "/", maxKeys: 9 })).toEqual(keys.filter((k) => k.startsWith("dir07/")));
  });
}

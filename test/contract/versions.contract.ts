// The versioning half of the metadata contract: run inside metadataContract for every engine.
import { expect, test } from "bun:test";
import type { MetadataStore, ObjectRecord, VersionQuery } from "../../src/metadata/store.ts";
import { newVersionId } from "../../src/metadata/versions.ts";
import { bucketRecord, errorCode, objectRecord } from "./metadata.contract.ts";

const version = (key: string, extra: Partial<ObjectRecord> = {}) => objectRecord("b", key, { versionId: newVersionId(), ...extra });
const marker = (key: string, versionId = newVersionId()) =>
  objectRecord("b", key, { versionId, deleteMarker: true, size: 0, etag: "", storageId: "" });
const query = (extra: Partial<VersionQuery> = {}): VersionQuery => ({ prefix: "", delimiter: "", keyMarker: "", versionIdMarker: "", maxKeys: 1000, ...extra });
const ids = async (store: MetadataStore, extra: Partial<VersionQuery> = {}) =>
  (await store.listObjectVersions("b", query(extra))).versions.map((v) => `${v.key}:${v.versionId === "null" ? "null" : v.versionId.slice(-4)}${v.deleteMarker ? "(dm)" : ""}${v.isLatest ? "*" : ""}`);
const tail = (r: ObjectRecord) => r.versionId.slice(-4);

export function versionCases(current: () => MetadataStore) {
  test("versions: new ids keep older versions; each is readable by id; the newest is current", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const v1 = version("k", { size: 1 });
    const v2 = version("k", { size: 2 });
    expect(await store.putObject(v1)).toEqual({ previous: null, freed: [] });
    expect(await store.putObject(v2)).toEqual({ previous: v1, freed: [] });
    expect(await store.getObject("b", "k")).toEqual(v2);
    expect(await store.getObject("b", "k", v1.versionId)).toEqual(v1);
    expect(await store.getObject("b", "k", newVersionId())).toBeNull();
    expect(await ids(store)).toEqual([`k:${tail(v2)}*`, `k:${tail(v1)}`]);
    expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 2, bytes: 3 }]);
  });

  test("versions: a delete marker hides the key from listObjects but not from listObjectVersions", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const v1 = version("k");
    await store.putObject(v1);
    await store.putObject(version("other"));
    const dm = marker("k");
    await store.putObject(dm);
    expect((await store.getObject("b", "k"))?.deleteMarker).toBe(true);
    const listed = await store.listObjects("b", { prefix: "", delimiter: "", after: "", maxKeys: 1000 });
    expect(listed.entries.map((e) => e.key)).toEqual(["other"]);
    expect((await ids(store)).filter((s) => s.startsWith("k:"))).toEqual([`k:${tail(dm)}(dm)*`, `k:${tail(v1)}`]);
    expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 2, bytes: 6 }]);
    // Deleting the marker by id brings the object back.
    expect((await store.deleteObject("b", "k", { versionId: dm.versionId }))?.deleteMarker).toBe(true);
    expect(await store.getObject("b", "k")).toEqual(v1);
  });

  test("versions: deleting the current version by id promotes the next newest; a noncurrent one just goes", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const [v1, v2, v3] = [version("k"), version("k"), version("k")];
    for (const v of [v1!, v2!, v3!]) await store.putObject(v);
    expect(await store.deleteObject("b", "k", { versionId: v2!.versionId })).toEqual(v2!);
    expect(await store.getObject("b", "k")).toEqual(v3!);
    expect(await store.deleteObject("b", "k", { versionId: v3!.versionId })).toEqual(v3!);
    expect(await store.getObject("b", "k")).toEqual(v1!);
    expect(await store.deleteObject("b", "k", { versionId: newVersionId() })).toBeNull();
    expect(await store.deleteObject("b", "k", { versionId: v1!.versionId })).toEqual(v1!);
    expect(await store.getObject("b", "k")).toBeNull();
    expect(await ids(store)).toEqual([]);
    expect(await store.deleteBucket("b")).toBe(true);
  });

  test("versions: deleting the current version and, at once, the one it promotes removes both; a read by id meanwhile finds it", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    // The second delete starts a little later each round, so that one round falls in the other's window.
    for (let round = 0; round < 12; round++) {
      const key = `k${round}`;
      const v1 = version(key);
      const dm = marker(key);
      await store.putObject(v1);
      await store.putObject(dm);
      const [gone, promoted, read] = await Promise.all([
        store.deleteObject("b", key, { versionId: dm.versionId }),
        Bun.sleep(round * 0.6).then(() => store.deleteObject("b", key, { versionId: v1.versionId })),
        Bun.sleep(round * 0.3).then(() => store.getObject("b", key, v1.versionId)),
      ]);
      expect(gone?.versionId).toBe(dm.versionId);
      expect(promoted?.versionId).toBe(v1.versionId);
      // Read before, during or after the deletes: v1 itself or nothing, never a wrong answer.
      if (read) expect(read.versionId).toBe(v1.versionId);
      expect(await store.getObject("b", key)).toBeNull();
    }
    expect(await ids(store)).toEqual([]);
    expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 0, bytes: 0 }]);
    expect(await store.deleteBucket("b")).toBe(true);
  });

  test("versions: the null version is replaced in place, among newer and older versions", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const n1 = objectRecord("b", "k", { lastModified: Date.now() - 10_000 });
    await store.putObject(n1);
    const v1 = version("k");
    await store.putObject(v1);
    // Suspended: a new null version replaces the old one (wherever it was) and keeps v1.
    const n2 = objectRecord("b", "k", { size: 5 });
    expect(await store.putObject(n2)).toEqual({ previous: v1, freed: [n1] });
    expect(await ids(store)).toEqual(["k:null*", `k:${tail(v1)}`]);
    const n3 = objectRecord("b", "k", { size: 7 });
    expect(await store.putObject(n3)).toEqual({ previous: n2, freed: [n2] });
    expect(await store.getObject("b", "k", "null")).toEqual(n3);
    expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 2, bytes: 10 }]);
  });

  test("versions: a bucket with only noncurrent versions or delete markers is not empty", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    await store.putObject(marker("k"));
    expect(await errorCode(store.deleteBucket("b"))).toBe("BucketNotEmpty");
  });

  test("versions: conditions see the current version; a delete marker fails If-Match on delete (412) and is no object on write (404)", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const v1 = version("k");
    await store.putObject(v1);
    await store.putObject(marker("k"));
    expect(await errorCode(store.deleteObject("b", "k", { condition: { ifMatch: "*" } }))).toBe("PreconditionFailed");
    expect(await errorCode(store.putObject(marker("k"), { ifMatch: "*" }))).toBe("PreconditionFailed");
    expect(await errorCode(store.putObject(version("k"), { ifMatch: v1.etag }))).toBe("NoSuchKey");
    expect(await store.putObject(version("k"), { ifNoneMatch: true })).toMatchObject({ freed: [] });
  });

  test("versions: ACLs per version", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const v1 = version("k");
    await store.putObject(v1);
    await store.putObject(version("k"));
    const open = { owner: v1.owner, grants: [] };
    expect(await store.updateObject("b", "k", v1.versionId, { acl: open })).toBe(true);
    expect((await store.getObject("b", "k", v1.versionId))?.acl).toEqual(open);
    expect((await store.getObject("b", "k"))?.acl).not.toEqual(open);
  });

  test("tags: kept with a version, replaced and removed per version; bucket tags likewise", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    const v1 = version("k", { tags: { a: "1" } });
    await store.putObject(v1);
    await store.putObject(version("k"));
    expect((await store.getObject("b", "k", v1.versionId))?.tags).toEqual({ a: "1" });
    expect(await store.updateObject("b", "k", v1.versionId, { tags: { b: "2" } })).toBe(true);
    expect((await store.getObject("b", "k", v1.versionId))?.tags).toEqual({ b: "2" });
    expect((await store.getObject("b", "k"))?.tags).toBeUndefined();
    expect(await store.updateObject("b", "k", v1.versionId, { tags: null })).toBe(true);
    expect((await store.getObject("b", "k", v1.versionId))?.tags).toBeUndefined();
    expect(await store.updateBucket("b", { tags: { team: "x" } })).toBe(true);
    expect((await store.getBucket("b"))?.tags).toEqual({ team: "x" });
    expect(await store.updateBucket("b", { tags: null })).toBe(true);
    expect((await store.getBucket("b"))?.tags).toBeUndefined();
    expect(await store.updateBucket("missing", { tags: null })).toBe(false);
  });

  test("listObjectVersions pages by key and version id, with prefixes and delimiters", async () => {
    const store = current();
    await store.createBucket(bucketRecord("b"));
    for (const key of ["a", "b", "dir/x", "dir/y", "e"]) for (let i = 0; i < 3; i++) await store.putObject(version(key));
    const all = await ids(store);
    expect(all.length).toBe(15);
    // Page through two at a time: every version exactly once, in order.
    const seen: string[] = [];
    let q = query({ maxKeys: 2 });
    for (let pages = 0; pages < 20; pages++) {
      const page = await store.listObjectVersions("b", q);
      seen.push(...page.versions.map((v) => `${v.key}:${v.versionId.slice(-4)}${v.isLatest ? "*" : ""}`));
      if (!page.isTruncated) break;
      q = query({ maxKeys: 2, keyMarker: page.nextKeyMarker!, versionIdMarker: page.nextVersionIdMarker ?? "" });
    }
    expect(seen).toEqual(all);
    const rolled = await store.listObjectVersions("b", query({ delimiter: "/" }));
    expect(rolled.commonPrefixes).toEqual(["dir/"]);
    expect(rolled.versions.length).toBe(9);
    const inDir = await store.listObjectVersions("b", query({ prefix: "dir/", maxKeys: 4 }));
    expect(inDir.versions.map((v) => v.key)).toEqual(["dir/x", "dir/x", "dir/x", "dir/y"]);
    expect(inDir.isTruncated).toBe(true);
    expect(inDir.nextKeyMarker).toBe("dir/y");
  });
}

// The contract every MetadataStore implementation must pass; each engine's test file runs it.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { S3Error } from "../../src/errors.ts";
import type { Acl, BucketRecord, MetadataStore, ObjectRecord } from "../../src/metadata/store.ts";

const owner = { id: "a".repeat(64), displayName: "alice" };
const acl: Acl = { owner, grants: [{ grantee: { type: "CanonicalUser", id: owner.id, displayName: "alice" }, permission: "FULL_CONTROL" }] };

export const bucketRecord = (name: string): BucketRecord => ({ name, region: "us-east-1", owner, acl, createdAt: 1_700_000_000_000 });

export function objectRecord(bucket: string, key: string, extra: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    bucket, key, size: 3, etag: "acbd18db4cc2f85cedef654fccc4a4d8", lastModified: 1_700_000_000_123,
    storageId: crypto.randomUUID().replaceAll("-", ""), contentType: "text/plain",
    headers: { "cache-control": "no-cache" }, userMetadata: { color: "blue" }, storageClass: "STANDARD", owner, acl, ...extra,
  };
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "no error";
  } catch (err) {
    return (err as S3Error).code;
  }
}

export function metadataContract(name: string, open: () => Promise<MetadataStore>, cleanup: () => Promise<void> = async () => {}) {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    beforeEach(async () => {
      store = await open();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    test("credentials: put, get, update, list, delete", async () => {
      await store.putCredential({ accessKey: "k1", secretKey: "s1", owner, createdAt: 1 });
      await store.putCredential({ accessKey: "k0", secretKey: "s0", owner, createdAt: 2 });
      await store.putCredential({ accessKey: "k1", secretKey: "s1b", owner, createdAt: 3 });
      expect((await store.getCredential("k1"))?.secretKey).toBe("s1b");
      expect((await store.listCredentials()).map((c) => c.accessKey)).toEqual(["k0", "k1"]);
      expect(await store.deleteCredential("k1")).toBe(true);
      expect(await store.deleteCredential("k1")).toBe(false);
      expect(await store.getCredential("k1")).toBeNull();
    });

    test("buckets: create once, get, list sorted, delete", async () => {
      expect(await store.createBucket(bucketRecord("beta"))).toBe(true);
      expect(await store.createBucket(bucketRecord("alpha"))).toBe(true);
      expect(await store.createBucket(bucketRecord("beta"))).toBe(false);
      expect(await store.getBucket("beta")).toEqual(bucketRecord("beta"));
      expect((await store.listBuckets()).map((b) => b.name)).toEqual(["alpha", "beta"]);
      expect(await store.deleteBucket("beta")).toBe(true);
      expect(await store.deleteBucket("beta")).toBe(false);
      expect(await store.getBucket("beta")).toBeNull();
    });

    test("deleteBucket refuses a bucket with objects", async () => {
      await store.createBucket(bucketRecord("full"));
      await store.putObject(objectRecord("full", "k"));
      expect(await errorCode(store.deleteBucket("full"))).toBe("BucketNotEmpty");
      await store.deleteObject("full", "k");
      expect(await store.deleteBucket("full")).toBe(true);
    });

    test("objects: put returns what it replaced, get round-trips every field", async () => {
      await store.createBucket(bucketRecord("b"));
      const first = objectRecord("b", "k", { checksum: { algorithm: "CRC32", value: "AAAAAA==", type: "FULL_OBJECT" } });
      expect(await store.putObject(first)).toBeNull();
      expect(await store.getObject("b", "k")).toEqual(first);
      const second = objectRecord("b", "k", { size: 9 });
      expect(await store.putObject(second)).toEqual(first);
      expect(await store.getObject("b", "k")).toEqual(second);
      expect(await store.deleteObject("b", "k")).toEqual(second);
      expect(await store.deleteObject("b", "k")).toBeNull();
    });

    test("deleteObjects removes many keys at once and reports each", async () => {
      await store.createBucket(bucketRecord("b"));
      const a = objectRecord("b", "a");
      const c = objectRecord("b", "c");
      await store.putObject(a);
      await store.putObject(c);
      expect(await store.deleteObjects("b", ["a", "b", "c", "a"])).toEqual([a, null, c, null]);
      expect(await store.getObject("b", "a")).toBeNull();
      expect(await store.getObject("b", "c")).toBeNull();
    });

    test("putObject into a missing bucket is NoSuchBucket", async () => {
      expect(await errorCode(store.putObject(objectRecord("nope", "k")))).toBe("NoSuchBucket");
    });

    test("write conditions are checked atomically", async () => {
      await store.createBucket(bucketRecord("b"));
      expect(await errorCode(store.putObject(objectRecord("b", "k"), { ifMatch: "x" }))).toBe("NoSuchKey");
      await store.putObject(objectRecord("b", "k"), { ifNoneMatch: true });
      expect(await errorCode(store.putObject(objectRecord("b", "k"), { ifNoneMatch: true }))).toBe("PreconditionFailed");
      expect(await errorCode(store.putObject(objectRecord("b", "k"), { ifMatch: "other" }))).toBe("PreconditionFailed");
      await store.putObject(objectRecord("b", "k", { size: 5 }), { ifMatch: "acbd18db4cc2f85cedef654fccc4a4d8" });
      expect((await store.getObject("b", "k"))?.size).toBe(5);
    });

    test("ACLs can be replaced on buckets and objects", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("b", "k"));
      const open: Acl = { owner, grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }] };
      expect(await store.setBucketAcl("b", open)).toBe(true);
      expect(await store.setObjectAcl("b", "k", open)).toBe(true);
      expect(await store.setObjectAcl("b", "missing", open)).toBe(false);
      expect((await store.getBucket("b"))?.acl).toEqual(open);
      expect((await store.getObject("b", "k"))?.acl).toEqual(open);
    });

    test("listing: UTF-8 byte order, prefix, delimiter, paging through common prefixes", async () => {
      await store.createBucket(bucketRecord("b"));
      const keys = ["a/1", "a/2", "b", "c/x/1", "c/y", "d", "é", "\u{1F600}", "\uFF5E", "a0"];
      for (const k of keys) await store.putObject(objectRecord("b", k));
      const all = await store.listObjects("b", { prefix: "", delimiter: "", after: "", maxKeys: 1000 });
      // U+FF5E sorts before U+1F600 in UTF-8, though not in UTF-16.
      expect(all.entries.map((e) => e.key)).toEqual(["a/1", "a/2", "a0", "b", "c/x/1", "c/y", "d", "é", "\uFF5E", "\u{1F600}"]);
      expect(all.isTruncated).toBe(false);

      const rolled = await store.listObjects("b", { prefix: "", delimiter: "/", after: "", maxKeys: 1000 });
      expect(rolled.commonPrefixes).toEqual(["a/", "c/"]);
      expect(rolled.entries.map((e) => e.key)).toEqual(["a0", "b", "d", "é", "\uFF5E", "\u{1F600}"]);

      const pages: string[] = [];
      let after = "";
      for (;;) {
        const page = await store.listObjects("b", { prefix: "", delimiter: "/", after, maxKeys: 2 });
        pages.push(...page.commonPrefixes, ...page.entries.map((e) => e.key));
        if (!page.isTruncated) break;
        after = page.nextMarker!;
      }
      expect(pages.sort()).toEqual(["a/", "a0", "b", "c/", "d", "é", "\uFF5E", "\u{1F600}"].sort());

      const under = await store.listObjects("b", { prefix: "c/", delimiter: "/", after: "", maxKeys: 1000 });
      expect(under.commonPrefixes).toEqual(["c/x/"]);
      expect(under.entries.map((e) => e.key)).toEqual(["c/y"]);

      const startAfter = await store.listObjects("b", { prefix: "", delimiter: "", after: "c/y", maxKeys: 2 });
      expect(startAfter.entries.map((e) => e.key)).toEqual(["d", "é"]);
      expect(startAfter.isTruncated).toBe(true);
      expect(startAfter.nextMarker).toBe("é");
    });

    test("listing a missing bucket is NoSuchBucket", async () => {
      expect(await errorCode(store.listObjects("nope", { prefix: "", delimiter: "", after: "", maxKeys: 10 }))).toBe("NoSuchBucket");
    });

    test("records handed out are copies", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("b", "k"));
      const got = (await store.getObject("b", "k"))!;
      got.userMetadata.color = "red";
      expect((await store.getObject("b", "k"))!.userMetadata.color).toBe("blue");
    });
  });
}

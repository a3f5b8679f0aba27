// The contract every MetadataStore implementation must pass; each engine's test file runs it.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { S3Error } from "../../src/errors.ts";
import { scaleCases } from "./scale.contract.ts";
import { versionCases } from "./versions.contract.ts";
import type { EngineEvent, SeqClock } from "../../src/metadata/events.ts";
import type { Acl, BucketRecord, MetadataStore, ObjectRecord, PartRecord, UploadRecord } from "../../src/metadata/store.ts";

const owner = { id: "a".repeat(64), displayName: "alice" };
const acl: Acl = { owner, grants: [{ grantee: { type: "CanonicalUser", id: owner.id, displayName: "alice" }, permission: "FULL_CONTROL" }] };

export const bucketRecord = (name: string): BucketRecord => ({ name, region: "us-east-1", owner, acl, createdAt: 1_700_000_000_000 });

export function objectRecord(bucket: string, key: string, extra: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    bucket, key, versionId: "null", size: 3, etag: "acbd18db4cc2f85cedef654fccc4a4d8", lastModified: 1_700_000_000_123,
    storageId: crypto.randomUUID().replaceAll("-", ""), contentType: "text/plain",
    headers: { "cache-control": "no-cache" }, userMetadata: { color: "blue" }, storageClass: "STANDARD", owner, acl, ...extra,
  };
}

export function uploadRecord(bucket: string, key: string, uploadId: string, initiated = 1_700_000_000_000): UploadRecord {
  return {
    uploadId, bucket, key, initiated, owner, contentType: "video/mp4", headers: { "content-language": "en" },
    userMetadata: { a: "1" }, storageClass: "STANDARD", acl, checksumAlgorithm: "CRC32", checksumType: "COMPOSITE",
  };
}

export function partRecord(uploadId: string, partNumber: number, extra: Partial<PartRecord> = {}): PartRecord {
  return {
    uploadId, partNumber, size: 5 * 1024 * 1024, etag: `${partNumber}`.padStart(32, "0"), storageId: crypto.randomUUID().replaceAll("-", ""),
    lastModified: 1_700_000_000_000 + partNumber, checksum: "AAAAAA==", ...extra,
  };
}

export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "no error";
  } catch (err) {
    return (err as S3Error).code;
  }
}

/**
 * `twin`, for engines several nodes share: another store on what the last `open` opened, as a second
 * node would see it.
 */
export function metadataContract(name: string, open: () => Promise<MetadataStore>, cleanup: () => Promise<void> = async () => {}, twin?: () => Promise<MetadataStore>) {
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

    versionCases(() => store);
    scaleCases(() => store);

    test("credentials: put, get, update, list, delete", async () => {
      await store.putCredential({ accessKey: "k1", secretKey: "s1", owner, createdAt: 1 });
      await store.putCredential({ accessKey: "k0", secretKey: "s0", owner, createdAt: 2 });
      await store.putCredential({ accessKey: "k1", secretKey: "s1b", owner, createdAt: 3 });
      expect(await store.getCredential("k1")).toEqual({ accessKey: "k1", secretKey: "s1b", owner, createdAt: 3 });
      expect((await store.listCredentials()).map((c) => c.accessKey)).toEqual(["k0", "k1"]);
      expect(await store.deleteCredential("k1")).toBe(true);
      expect(await store.deleteCredential("k1")).toBe(false);
      expect(await store.getCredential("k1")).toBeNull();
    });

    test("credentials: a key's own policy is kept, and dropped when the pair is put without one", async () => {
      await store.putCredential({ accessKey: "k2", secretKey: "s2", owner, createdAt: 1, policy: "readonly" });
      expect((await store.getCredential("k2"))?.policy).toBe("readonly");
      expect((await store.listCredentials()).find((c) => c.accessKey === "k2")?.policy).toBe("readonly");
      await store.putCredential({ accessKey: "k2", secretKey: "s2", owner, createdAt: 1 });
      expect((await store.getCredential("k2"))?.policy).toBeUndefined();
    });

    test("credentials: a disabled key is kept disabled, and enabled again by a put without the flag", async () => {
      await store.putCredential({ accessKey: "k3", secretKey: "s3", owner, createdAt: 1, disabled: true });
      expect(await store.getCredential("k3")).toEqual({ accessKey: "k3", secretKey: "s3", owner, createdAt: 1, disabled: true });
      expect((await store.listCredentials()).find((c) => c.accessKey === "k3")?.disabled).toBe(true);
      await store.putCredential({ accessKey: "k3", secretKey: "s3", owner, createdAt: 1 });
      expect(await store.getCredential("k3")).toEqual({ accessKey: "k3", secretKey: "s3", owner, createdAt: 1 });
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
      expect(await store.putObject(first)).toEqual({ previous: null, freed: [] });
      expect(await store.getObject("b", "k")).toEqual(first);
      const second = objectRecord("b", "k", { size: 9 });
      expect(await store.putObject(second)).toEqual({ previous: first, freed: [first] });
      expect(await store.getObject("b", "k")).toEqual(second);
      expect(await store.deleteObject("b", "k")).toEqual(second);
      expect(await store.deleteObject("b", "k")).toBeNull();
    });

    test("deleteObject: concurrent deletes of many keys each report what they removed", async () => {
      await store.createBucket(bucketRecord("b"));
      const a = objectRecord("b", "a");
      const c = objectRecord("b", "c");
      await store.putObject(a);
      await store.putObject(c);
      const removed = await Promise.all(["a", "b", "c"].map((k) => store.deleteObject("b", k)));
      expect(removed).toEqual([a, null, c]);
      expect(await store.getObject("b", "a")).toBeNull();
      expect(await store.getObject("b", "c")).toBeNull();
    });

    test("deleteObject with If-Match: a mismatch is PreconditionFailed and keeps the object; a match deletes", async () => {
      await store.createBucket(bucketRecord("b"));
      const o = objectRecord("b", "k");
      await store.putObject(o);
      expect(await errorCode(store.deleteObject("b", "k", { condition: { ifMatch: "0".repeat(32) } }))).toBe("PreconditionFailed");
      expect(await store.getObject("b", "k")).toEqual(o);
      expect(await store.deleteObject("b", "k", { condition: { ifMatch: o.etag } })).toEqual(o);
      expect(await store.getObject("b", "k")).toBeNull();
    });

    test("deleteObject with If-Match on a missing key is NoSuchKey; If-Match: * deletes any object", async () => {
      await store.createBucket(bucketRecord("b"));
      expect(await errorCode(store.deleteObject("b", "k", { condition: { ifMatch: "*" } }))).toBe("NoSuchKey");
      expect(await errorCode(store.deleteObject("b", "k", { condition: { ifMatch: "acbd18db4cc2f85cedef654fccc4a4d8" } }))).toBe("NoSuchKey");
      const o = objectRecord("b", "k");
      await store.putObject(o);
      expect(await store.deleteObject("b", "k", { condition: { ifMatch: "*" } })).toEqual(o);
      expect(await store.bucketStats()).toEqual([{ bucket: "b", objects: 0, bytes: 0 }]);
    });

    test("deleteObject with If-Match racing an overwrite: exactly one of them wins", async () => {
      await store.createBucket(bucketRecord("b"));
      for (let round = 0; round < 20; round++) {
        const first = objectRecord("b", "k", { etag: "1".repeat(32) });
        await store.putObject(first);
        // Issued in either order in the same turn: the store decides which one finds the first version.
        const deleting = () => store.deleteObject("b", "k", { condition: { ifMatch: first.etag } });
        const writing = () => store.putObject(objectRecord("b", "k", { etag: "2".repeat(32) }), { ifMatch: first.etag });
        let del: PromiseSettledResult<unknown>;
        let put: PromiseSettledResult<unknown>;
        if (round % 2 === 0) [del, put] = await Promise.allSettled([deleting(), writing()]);
        else [put, del] = await Promise.allSettled([writing(), deleting()]);
        const now = await store.getObject("b", "k");
        if (del.status === "fulfilled") {
          expect(put.status).toBe("rejected");
          expect(now).toBeNull();
        } else {
          expect((del.reason as S3Error).code).toBe("PreconditionFailed");
          expect(put.status).toBe("fulfilled");
          expect(now?.etag).toBe("2".repeat(32));
        }
        await store.deleteObject("b", "k");
      }
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

    test("notification rules round-trip with the bucket and are removed by null", async () => {
      await store.createBucket(bucketRecord("b"));
      const rules = [{ id: "r1", kind: "Queue" as const, arn: "arn:bleepstore:sqs:us-east-1::t", target: "t", events: ["s3:ObjectCreated:*"], prefix: "p/", suffix: ".jpg" }];
      expect(await store.updateBucket("b", { notification: rules })).toBe(true);
      expect((await store.getBucket("b"))?.notification).toEqual(rules);
      expect(await store.updateBucket("b", { notification: null })).toBe(true);
      expect((await store.getBucket("b"))?.notification).toBeUndefined();
    });

    test("public access block, object ownership, lifecycle rules and the logging target round-trip with the bucket", async () => {
      await store.createBucket(bucketRecord("b"));
      const pab = { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false };
      const lifecycle = [{ id: "r", enabled: true, prefix: "logs/", tags: { a: "1" }, expiration: { days: 30 }, noncurrent: { days: 3, newer: 2 }, abortAfterDays: 1 }];
      const logging = { targetBucket: "logs", targetPrefix: "b/" };
      expect(await store.updateBucket("b", { publicAccessBlock: pab, ownership: "BucketOwnerEnforced", lifecycle, logging })).toBe(true);
      expect(await store.getBucket("b")).toMatchObject({ publicAccessBlock: pab, ownership: "BucketOwnerEnforced", lifecycle, logging });
      expect(await store.updateBucket("b", { publicAccessBlock: null, ownership: null, lifecycle: null, logging: null })).toBe(true);
      expect((await store.getBucket("b"))?.lifecycle).toBeUndefined();
      expect((await store.getBucket("b"))?.logging).toBeUndefined();
      const back = await store.getBucket("b");
      expect(back?.publicAccessBlock).toBeUndefined();
      expect(back?.ownership).toBeUndefined();
    });

    test("a bucket policy is kept as the text that was put, and removed by null", async () => {
      await store.createBucket(bucketRecord("b"));
      const text = '{ "Version": "2012-10-17",\n  "Statement": [{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}] }';
      expect(await store.updateBucket("b", { policy: text })).toBe(true);
      expect((await store.getBucket("b"))?.policy).toBe(text);
      expect(await store.updateBucket("b", { policy: null })).toBe(true);
      expect((await store.getBucket("b"))?.policy).toBeUndefined();
    });

    test("encryption: a bucket's default and the sse of versions (noncurrent too) and uploads round-trip", async () => {
      await store.createBucket(bucketRecord("b"));
      expect(await store.updateBucket("b", { encryption: { algorithm: "AES256", bucketKeyEnabled: true } })).toBe(true);
      expect((await store.getBucket("b"))?.encryption).toEqual({ algorithm: "AES256", bucketKeyEnabled: true });
      expect(await store.updateBucket("b", { encryption: null })).toBe(true);
      expect((await store.getBucket("b"))?.encryption).toBeUndefined();
      const sse = { type: "SSE-C" as const, salt: "c2FsdHNhbHRzYWx0c2FsdA==", check: "Y2hlY2s=", parts: [2, 5] };
      const sealed = objectRecord("b", "k", { versionId: "v1", sse, partSizes: [5, 6] });
      await store.putObject(sealed);
      expect(await store.getObject("b", "k")).toEqual(sealed);
      await store.putObject(objectRecord("b", "k", { versionId: "v2" }));
      expect(await store.getObject("b", "k", "v1")).toEqual(sealed);
      const upload = { ...uploadRecord("b", "u", "upload-sse"), sse: { type: "SSE-S3" as const, salt: "c2FsdA==", wrapped: "d3JhcHBlZA==" } };
      await store.createUpload(upload);
      expect(await store.getUpload("upload-sse")).toEqual(upload);
    });

    test("Object Lock: legal hold and retention guard deletes atomically; COMPLIANCE never weakens, GOVERNANCE yields to the bypass", async () => {
      const lock = { enabled: true as const, defaultRetention: { mode: "GOVERNANCE" as const, days: 1 } };
      expect(await store.createBucket({ ...bucketRecord("locked"), versioning: "Enabled", objectLock: lock })).toBe(true);
      expect(await store.getBucket("locked")).toMatchObject({ versioning: "Enabled", objectLock: lock });
      const future = Date.now() + 3_600_000;
      await store.putObject(objectRecord("locked", "held", { versionId: "v1", legalHold: true }));
      expect(await errorCode(store.deleteObject("locked", "held", { versionId: "v1", bypassGovernance: true }))).toBe("AccessDenied");
      expect(await store.updateObject("locked", "held", "v1", { legalHold: null })).toBe(true);
      expect((await store.deleteObject("locked", "held", { versionId: "v1" }))?.versionId).toBe("v1");

      await store.putObject(objectRecord("locked", "c", { versionId: "v1", retention: { mode: "COMPLIANCE", until: future } }));
      expect(await errorCode(store.deleteObject("locked", "c", { versionId: "v1", bypassGovernance: true }))).toBe("AccessDenied");
      expect(await errorCode(store.updateObject("locked", "c", "v1", { retention: { mode: "COMPLIANCE", until: future - 1000 }, bypassGovernance: true })))
        .toBe("AccessDenied");
      expect(await errorCode(store.updateObject("locked", "c", "v1", { retention: { mode: "GOVERNANCE", until: future } }))).toBe("AccessDenied");
      expect(await errorCode(store.updateObject("locked", "c", "v1", { retention: null, bypassGovernance: true }))).toBe("AccessDenied");
      expect(await store.updateObject("locked", "c", "v1", { retention: { mode: "COMPLIANCE", until: future + 1000 } })).toBe(true);
      expect((await store.getObject("locked", "c", "v1"))?.retention).toEqual({ mode: "COMPLIANCE", until: future + 1000 });

      await store.putObject(objectRecord("locked", "g", { versionId: "v1", retention: { mode: "GOVERNANCE", until: future } }));
      expect(await errorCode(store.deleteObject("locked", "g", { versionId: "v1" }))).toBe("AccessDenied");
      expect(await errorCode(store.updateObject("locked", "g", "v1", { retention: null }))).toBe("AccessDenied");
      expect(await store.updateObject("locked", "g", "v1", { retention: { mode: "GOVERNANCE", until: future - 1000 }, bypassGovernance: true })).toBe(true);
      expect((await store.deleteObject("locked", "g", { versionId: "v1", bypassGovernance: true }))?.versionId).toBe("v1");

      await store.putObject(objectRecord("locked", "expired", { versionId: "v1", retention: { mode: "COMPLIANCE", until: Date.now() - 1 } }));
      expect((await store.deleteObject("locked", "expired", { versionId: "v1" }))?.versionId).toBe("v1");
      const upload = { ...uploadRecord("locked", "u", "upload-lock"), retention: { mode: "COMPLIANCE" as const, until: future }, legalHold: true };
      await store.createUpload(upload);
      expect(await store.getUpload("upload-lock")).toEqual(upload);
    });

    test("ACLs can be replaced on buckets and objects", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("b", "k"));
      const open: Acl = { owner, grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }] };
      expect(await store.updateBucket("b", { acl: open })).toBe(true);
      expect(await store.updateObject("b", "k", undefined, { acl: open })).toBe(true);
      expect(await store.updateObject("b", "missing", undefined, { acl: open })).toBe(false);
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

    test("uploads: create, get, list by key then id, and by age", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.createUpload(uploadRecord("b", "k2", "u3", 3));
      await store.createUpload(uploadRecord("b", "k1", "u2", 2));
      await store.createUpload(uploadRecord("b", "k1", "u1", 1));
      await store.createUpload(uploadRecord("b", "other", "u4", 4));
      expect(await store.getUpload("u1")).toEqual(uploadRecord("b", "k1", "u1", 1));
      expect(await store.getUpload("nope")).toBeNull();
      const all = { key: "", uploadId: "" };
      expect((await store.listUploads("b", "k", all, 10)).map((u) => u.uploadId)).toEqual(["u1", "u2", "u3"]);
      expect((await store.listUploads("b", "k", all, 2)).map((u) => u.uploadId)).toEqual(["u1", "u2"]);
      expect((await store.listUploads("b", "k", { key: "k1", uploadId: "u1" }, 10)).map((u) => u.uploadId)).toEqual(["u2", "u3"]);
      expect((await store.listUploads("b", "k", { key: "k1" }, 10)).map((u) => u.key)).not.toContain("k1");
      expect((await store.uploadsInitiatedBefore(3)).map((u) => u.uploadId)).toEqual(["u1", "u2"]);
      expect(await errorCode(store.createUpload(uploadRecord("missing", "k", "u9")))).toBe("NoSuchBucket");
    });

    test("parts: put, replace, list with a marker", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.createUpload(uploadRecord("b", "k", "u"));
      const p1 = partRecord("u", 1);
      expect(await store.putPart(p1)).toBeNull();
      const p1b = partRecord("u", 1, { size: 7 });
      expect(await store.putPart(p1b)).toEqual(p1);
      for (const n of [3, 2, 10]) await store.putPart(partRecord("u", n));
      const first = await store.listParts("u", 0, 2);
      expect(first.parts.map((p) => p.partNumber)).toEqual([1, 2]);
      expect(first.parts[0]).toEqual(p1b);
      expect(first.isTruncated).toBe(true);
      expect(first.nextPartNumberMarker).toBe(2);
      const rest = await store.listParts("u", 2, 2);
      expect(rest.parts.map((p) => p.partNumber)).toEqual([3, 10]);
      expect(rest.isTruncated).toBe(false);
      expect(await errorCode(store.putPart(partRecord("nope", 1)))).toBe("NoSuchUpload");
    });

    test("completeUpload writes the object and remembers the ETag; its parts stay for the clean-up", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.createUpload(uploadRecord("b", "k", "u"));
      const parts = [partRecord("u", 1), partRecord("u", 2)];
      for (const p of parts) await store.putPart(p);
      const old = objectRecord("b", "k");
      await store.putObject(old);
      const object = objectRecord("b", "k", { etag: "abc-2", partSizes: [5, 5] });
      const done = await store.completeUpload("u", object);
      expect(done).toEqual({ previous: old, freed: [old] });
      // The parts outlive the commit until deleteParts, and uploadsWithParts finds them after a crash.
      expect((await store.listParts("u", 0, 1000)).parts).toEqual(parts);
      expect(await store.uploadsWithParts(10)).toEqual(["u"]);
      await store.deleteParts("u", [1, 2, 7]);
      expect((await store.listParts("u", 0, 1000)).parts).toEqual([]);
      expect(await store.uploadsWithParts(10)).toEqual([]);
      expect(await store.getObject("b", "k")).toEqual(object);
      expect((await store.getUpload("u"))?.completedEtag).toBe("abc-2");
      expect(await store.listUploads("b", "", { key: "", uploadId: "" }, 10)).toEqual([]);
      expect(await errorCode(store.completeUpload("u", object))).toBe("NoSuchUpload");
      expect(await errorCode(store.putPart(partRecord("u", 3)))).toBe("NoSuchUpload");
    });

    test("completeUpload checks the write condition atomically", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("b", "k"));
      await store.createUpload(uploadRecord("b", "k", "u"));
      expect(await errorCode(store.completeUpload("u", objectRecord("b", "k"), { ifNoneMatch: true }))).toBe("PreconditionFailed");
      expect((await store.getUpload("u"))?.completedEtag).toBeUndefined();
    });

    test("deleteUpload and deleteBucket drop upload records; their parts wait for deleteParts", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.createUpload(uploadRecord("b", "k", "u1"));
      await store.createUpload(uploadRecord("b", "k", "u2"));
      const p = partRecord("u1", 1);
      await store.putPart(p);
      expect(await store.uploadsWithParts(10)).toEqual([]);
      expect(await store.deleteUpload("u1")).toBe(true);
      expect(await store.deleteUpload("u1")).toBe(false);
      expect(await store.uploadsWithParts(10)).toEqual(["u1"]);
      expect(await store.isStorageIdReferenced(p.storageId)).toBe(true);
      await store.deleteParts("u1", [1]);
      expect(await store.isStorageIdReferenced(p.storageId)).toBe(false);
      const q = partRecord("u2", 4);
      await store.putPart(q);
      expect(await store.deleteBucket("b")).toBe(true);
      expect(await store.getUpload("u2")).toBeNull();
      expect(await store.uploadsWithParts(10)).toEqual(["u2"]);
    });

    test("outbox: events are written with the change, only when it happened, and delivered in order", async () => {
      const event = (type: EngineEvent["type"], n: number): EngineEvent => ({ id: `e${n}`, type, timestamp: n, requestId: `r${n}`, data: { n } });
      expect(await store.createBucket(bucketRecord("b"), [event("bucket.created", 1)])).toBe(true);
      expect(await store.createBucket(bucketRecord("b"), [event("bucket.created", 2)])).toBe(false);
      await store.putObject(objectRecord("b", "k"), undefined, [event("object.created", 3)]);
      expect(await errorCode(store.putObject(objectRecord("b", "k"), { ifNoneMatch: true }, [event("object.created", 4)]))).toBe("PreconditionFailed");
      expect(await store.deleteObject("b", "gone", { events: [event("object.deleted", 5)] })).toBeNull();
      await store.deleteObject("b", "k", { events: [event("object.deleted", 6)] });
      const pending = await store.pendingEvents(10);
      expect(pending.map((e) => e.id)).toEqual(["e1", "e3", "e6"]);
      expect(pending[0]).toMatchObject({ type: "bucket.created", timestamp: 1, requestId: "r1", data: { n: 1 }, delivered: false });
      expect(pending[0]!.seq).toBeLessThan(pending[1]!.seq);
      await store.markDelivered(pending[1]!.seq);
      expect((await store.pendingEvents(10)).map((e) => e.id)).toEqual(["e6"]);
      const history = await store.listEvents(0, 10);
      expect(history.map((e) => [e.id, e.delivered])).toEqual([["e1", true], ["e3", true], ["e6", false]]);
    });

    test("outbox: events delivered one at a time, past the points where an engine prunes its history", async () => {
      await store.createBucket(bucketRecord("b"));
      for (let n = 0; n < 70; n++) {
        await store.putObject(objectRecord("b", `k${n}`), undefined, [{ id: `m${n}`, type: "object.created", timestamp: n, requestId: "", data: { n } }]);
      }
      for (;;) {
        const [next] = await store.pendingEvents(1);
        if (!next) break;
        await store.markDelivered(next.seq);
      }
      const history = await store.listEvents(0, 100);
      expect(history.filter((e) => e.id.startsWith("m")).map((e) => [e.id, e.delivered])).toEqual(Array.from({ length: 70 }, (_, n) => [`m${n}`, true]));
    });

    test("records: created once, swapped only from what they are, listed by id", async () => {
      expect(await store.getRecord("kms-key", "a/1")).toBeNull();
      expect(await store.putRecord("kms-key", "a/1", '{"n":1}', null)).toBe(true);
      expect(await store.putRecord("kms-key", "a/1", '{"n":9}', null)).toBe(false);
      expect(await store.getRecord("kms-key", "a/1")).toBe('{"n":1}');
      expect(await store.putRecord("kms-key", "a/1", '{"n":9}', '{"n":0}')).toBe(false);
      expect(await store.putRecord("kms-key", "a/1", '{"n":2}', '{"n":1}')).toBe(true);
      expect(await store.putRecord("kms-key", "zé ü", "{}", null)).toBe(true);
      expect(await store.putRecord("kms-key", "0", "[]", null)).toBe(true);
      expect(await store.listRecords("kms-key")).toEqual([{ id: "0", value: "[]" }, { id: "a/1", value: '{"n":2}' }, { id: "zé ü", value: "{}" }]);
      // Eight writers swapping from the same value: one of them wins.
      const won = await Promise.all(Array.from({ length: 8 }, (_, i) => store.putRecord("kms-key", "a/1", `{"n":${10 + i}}`, '{"n":2}')));
      expect(won.filter(Boolean).length).toBe(1);
      expect(await store.getRecord("kms-key", "a/1")).toBe(`{"n":${10 + won.indexOf(true)}}`);
      // Deleted only from what it is; then gone, and made again from none.
      const now = (await store.getRecord("kms-key", "a/1"))!;
      expect(await store.deleteRecord("kms-key", "a/1", '{"n":2}')).toBe(false);
      expect(await store.deleteRecord("kms-key", "a/1", now)).toBe(true);
      expect(await store.deleteRecord("kms-key", "a/1", now)).toBe(false);
      expect(await store.getRecord("kms-key", "a/1")).toBeNull();
      expect((await store.listRecords("kms-key")).map((r) => r.id)).toEqual(["0", "zé ü"]);
      expect(await store.putRecord("kms-key", "a/1", '{"n":3}', null)).toBe(true);
      expect(await store.deleteRecord("console-revoked", "a/1", '{"n":3}')).toBe(false);
    });

    if (twin) {
      test("outbox: two nodes whose clocks hand out the same positions lose no event and number each once", async () => {
        const other = await twin();
        try {
          await store.createBucket(bucketRecord("b"));
          // Both clocks at the same point, ahead of the wall clock: each node's next positions are the other's.
          const at = Date.now() * 1000 + 60_000_000;
          for (const s of [store, other]) (s as unknown as { outbox: { clock: SeqClock } }).outbox.clock.advance(at);
          const put = (s: MetadataStore, n: number) =>
            s.putObject(objectRecord("b", `k${n}`), undefined, [{ id: `t${n}`, type: "object.created", timestamp: n, requestId: "", data: { n } }]);
          for (let n = 0; n < 3; n++) await put(store, n);
          for (let n = 3; n < 6; n++) await put(other, n);
          await Promise.all([put(store, 6), put(other, 7), put(store, 8), put(other, 9)]);
          const pending = (await store.pendingEvents(100)).filter((e) => e.id.startsWith("t"));
          expect(pending.map((e) => e.id).sort()).toEqual(Array.from({ length: 10 }, (_, n) => `t${n}`));
          expect(new Set(pending.map((e) => e.seq)).size).toBe(10);
          expect(pending.every((e) => e.seq > at)).toBe(true);
          for (let n = 0; n < 10; n++) expect(await store.getObject("b", `k${n}`)).not.toBeNull();
          await store.markDelivered(Math.max(...pending.map((e) => e.seq)));
          expect((await other.listEvents(at, 100)).map((e) => [e.id, e.delivered]).sort()).toEqual(Array.from({ length: 10 }, (_, n) => [`t${n}`, true]));
        } finally {
          await other.close();
        }
      });
    }

    test("bucketStats and openUploadCount follow every write", async () => {
      await store.createBucket(bucketRecord("a"));
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("a", "1", { size: 10 }));
      await store.putObject(objectRecord("a", "2", { size: 5 }));
      await store.putObject(objectRecord("a", "1", { size: 7 }));
      await store.deleteObject("a", "2");
      await store.deleteObject("a", "missing");
      await store.createUpload(uploadRecord("b", "k", "u1"));
      await store.createUpload(uploadRecord("b", "k", "u2"));
      expect(await store.openUploadCount()).toBe(2);
      await store.completeUpload("u1", objectRecord("b", "k", { size: 100 }));
      expect(await store.openUploadCount()).toBe(1);
      expect(await store.bucketStats()).toEqual([
        { bucket: "a", objects: 1, bytes: 7 },
        { bucket: "b", objects: 1, bytes: 100 },
      ]);
    });

    test("isStorageIdReferenced sees objects", async () => {
      await store.createBucket(bucketRecord("b"));
      const o = objectRecord("b", "k");
      await store.putObject(o);
      expect(await store.isStorageIdReferenced(o.storageId)).toBe(true);
      expect(await store.isStorageIdReferenced("f".repeat(32))).toBe(false);
    });

    test("a read after each kind of write sees that write, even when the key was read just before", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("b", "k"));
      expect((await store.getObject("b", "k"))?.size).toBe(3);
      await store.putObject(objectRecord("b", "k", { size: 7 }));
      expect((await store.getObject("b", "k"))?.size).toBe(7);
      const open: Acl = { owner, grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }] };
      await store.updateObject("b", "k", undefined, { acl: open });
      expect((await store.getObject("b", "k"))?.acl).toEqual(open);
      await store.createUpload(uploadRecord("b", "k", "u"));
      await store.putPart(partRecord("u", 1));
      await store.completeUpload("u", objectRecord("b", "k", { etag: "abc-1", partSizes: [5] }));
      expect((await store.getObject("b", "k"))?.etag).toBe("abc-1");
      await store.deleteObject("b", "k");
      expect(await store.getObject("b", "k")).toBeNull();
      await store.putObject(objectRecord("b", "k", { size: 9 }));
      expect((await store.getObject("b", "k"))?.size).toBe(9);
      await store.deleteObject("b", "k", { condition: { ifMatch: "*" } });
      expect(await store.getObject("b", "k")).toBeNull();
    });

    test("a record handed out cannot change the stored one (it is a copy or read-only)", async () => {
      await store.createBucket(bucketRecord("b"));
      await store.putObject(objectRecord("b", "k"));
      const got = (await store.getObject("b", "k"))!;
      let refused = false;
      try {
        got.userMetadata.color = "red";
      } catch (err) {
        expect(err).toBeInstanceOf(TypeError);
        refused = true;
      }
      expect(refused || got.userMetadata.color === "red").toBe(true);
      expect((await store.getObject("b", "k"))!.userMetadata.color).toBe("blue");
    });
  });
}

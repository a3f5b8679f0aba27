// S3 versioning end to end, with the JS SDK and Debian's AWS CLI v2: enable, versions on PUT / COPY /
// Complete, reads by version id, delete markers, suspension and the null version, ListObjectVersions
// paging, and a bucket that keeps versions refusing DeleteBucket.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand,
  DeleteObjectCommand, DeleteObjectsCommand, GetBucketVersioningCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { requires, unless } from "./helpers/requires.ts";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";

requires("the AWS CLI v2 (/usr/bin/aws)", unless(hasAwsCli, "apt-get install awscli"));

setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
let work: string;
beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  work = mkdtempSync(join(tmpdir(), "bleepstore-versioning-"));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function versionedBucket(label: string): Promise<string> {
  const bucket = bucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  return bucket;
}
const put = async (bucket: string, key: string, body: string) =>
  (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
const read = async (bucket: string, key: string, versionId?: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }))).Body!.transformToString();

describe("versioning with the JS SDK", () => {
  test("GetBucketVersioning: empty before, Enabled after", async () => {
    const bucket = bucketName("vstate");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
  });

  test("three PUTs, each version readable byte-exact; delete marker; deleting it brings the object back", async () => {
    const bucket = await versionedBucket("vsdk");
    const ids = [await put(bucket, "k", "one"), await put(bucket, "k", "two"), await put(bucket, "k", "three")];
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id !== undefined && id !== "null")).toBe(true);
    expect(await Promise.all(ids.map((id) => read(bucket, "k", id)))).toEqual(["one", "two", "three"]);
    expect(await read(bucket, "k")).toBe("three");

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([[ids[2], true], [ids[1], false], [ids[0], false]]);

    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect(del.DeleteMarker).toBe(true);
    const head = await signedFetch(`${server.endpoint}/${bucket}/k`, { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(head.headers.get("x-amz-delete-marker")).toBe("true");
    expect(head.headers.get("x-amz-version-id")).toBe(del.VersionId!);
    const get = await signedFetch(`${server.endpoint}/${bucket}/k`);
    expect(get.status).toBe(404);
    expect(await get.text()).toContain("<Code>NoSuchKey</Code>");
    expect(get.headers.get("x-amz-delete-marker")).toBe("true");
    // Reading the marker by its id is MethodNotAllowed; older versions stay readable.
    expect((await signedFetch(`${server.endpoint}/${bucket}/k?versionId=${del.VersionId}`)).status).toBe(405);
    expect(await read(bucket, "k", ids[1])).toBe("two");
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);
    const withMarker = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(withMarker.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[del.VersionId, true]]);

    const undo = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: del.VersionId }));
    expect(undo.DeleteMarker).toBe(true);
    expect(await read(bucket, "k")).toBe("three");

    // Deleting a version by id removes it for good: the next newest becomes current.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: ids[2] }));
    expect(await read(bucket, "k")).toBe("two");
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: ids[2] })))).toBe("NoSuchVersion");
  });

  test("suspended: writes overwrite the null version and keep the versioned ones", async () => {
    const bucket = bucketName("vsusp");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await put(bucket, "k", "before versioning"); // the null version
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    const v1 = await put(bucket, "k", "versioned");
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Suspended");
    expect(await put(bucket, "k", "suspended one")).toBeUndefined();
    await put(bucket, "k", "suspended two");
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions!;
    expect(versions.map((v) => v.VersionId)).toEqual(["null", v1]);
    expect(await read(bucket, "k", "null")).toBe("suspended two");
    expect(await read(bucket, "k", v1)).toBe("versioned");
    // A plain delete writes a null delete marker in place of the null version.
    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
    expect([del.DeleteMarker, del.VersionId]).toEqual([true, "null"]);
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect(after.Versions?.map((v) => v.VersionId)).toEqual([v1]);
    expect(after.DeleteMarkers?.map((m) => m.VersionId)).toEqual(["null"]);
  });

  test("COPY and Complete create versions; CopySource ?versionId= copies an older one", async () => {
    const bucket = await versionedBucket("vcopy");
    const v1 = await put(bucket, "src", "first");
    await put(bucket, "src", "second");
    const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst", CopySource: `${bucket}/src?versionId=${v1}` }));
    expect(copy.CopySourceVersionId).toBe(v1);
    expect(copy.VersionId).toBeDefined();
    expect(await read(bucket, "dst")).toBe("first");
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "multipart body" }));
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: "mp", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }));
    expect(done.VersionId).toBeDefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp" }))).VersionId).toBe(done.VersionId);
  });

  test("an older version copied over its own key restores it (a new current version); the current one copied onto itself is still InvalidRequest", async () => {
    const bucket = await versionedBucket("vrestore");
    const v1 = await put(bucket, "doc", "first");
    const v2 = await put(bucket, "doc", "second");
    const restored = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "doc", CopySource: `${bucket}/doc?versionId=${v1}` }));
    expect(restored.CopySourceVersionId).toBe(v1);
    expect([v1, v2]).not.toContain(restored.VersionId);
    expect(await read(bucket, "doc")).toBe("first");
    expect(await read(bucket, "doc", v2)).toBe("second");
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "doc", CopySource: `${bucket}/doc?versionId=${restored.VersionId}` })))).toBe("InvalidRequest");
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "doc", CopySource: `${bucket}/doc` })))).toBe("InvalidRequest");
  });

  test("DeleteObjects with and without VersionId; a bucket with versions refuses DeleteBucket until they are gone", async () => {
    const bucket = await versionedBucket("vdel");
    const a1 = await put(bucket, "a", "a1");
    await put(bucket, "b", "b1");
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "a", VersionId: a1 }, { Key: "b" }] } }));
    const byKey = Object.fromEntries(res.Deleted!.map((d) => [d.Key, d]));
    expect(byKey.a?.VersionId).toBe(a1);
    expect(byKey.b?.DeleteMarker).toBe(true);
    expect(await s3ErrorCode(s3.send(new DeleteBucketCommand({ Bucket: bucket })))).toBe("BucketNotEmpty");
    // What tools do before removing a bucket: list every version and marker, delete each by id.
    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const every = [...(all.Versions ?? []), ...(all.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
    expect(every.length).toBe(2);
    const gone = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: every } }));
    expect(gone.Errors ?? []).toEqual([]);
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? []).toEqual([]);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });

  test("ListObjectVersions pages with key and version-id markers", async () => {
    const bucket = await versionedBucket("vpage");
    for (const key of ["a", "b", "c"]) for (let i = 0; i < 3; i++) await put(bucket, key, `${key}${i}`);
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 2, KeyMarker, VersionIdMarker }));
      seen.push(...(page.Versions ?? []).map((v) => `${v.Key}/${v.VersionId}`));
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(seen.length).toBe(9);
    expect(new Set(seen).size).toBe(9);
    expect(seen.map((s) => s.split("/")[0])).toEqual(["a", "a", "a", "b", "b", "b", "c", "c", "c"]);
  });

  test("a malformed versionId is InvalidArgument; an unknown one NoSuchVersion", async () => {
    const bucket = await versionedBucket("vbad");
    await put(bucket, "k", "x");
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: "not-a-version" })))).toBe("InvalidArgument");
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k", VersionId: "0".repeat(32) })))).toBe("NoSuchVersion");
    expect(await s3ErrorCode(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k", VersionId: "not-a-version" })))).toBe("InvalidArgument");
    expect(await read(bucket, "k")).toBe("x");
  });
});

describe.skipIf(!hasAwsCli)("versioning with the AWS CLI v2 (s3api)", () => {
  const aws = awsCli(() => server.endpoint, () => work);
  const json = async (...args: string[]) => {
    const r = await aws(...args);
    if (r.code !== 0) throw new Error(`aws ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim() === "" ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
  };

  test("enable, three PUTs, list, GET each, delete marker, undo, suspend, DeleteBucket refused", async () => {
    const bucket = bucketName("vcli");
    await json("s3api", "create-bucket", "--bucket", bucket);
    await json("s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled");
    expect(await json("s3api", "get-bucket-versioning", "--bucket", bucket)).toEqual({ Status: "Enabled" });
    const ids: string[] = [];
    for (const body of ["alpha", "beta", "gamma"]) {
      const file = join(work, "body.txt");
      writeFileSync(file, body);
      ids.push((await json("s3api", "put-object", "--bucket", bucket, "--key", "doc", "--body", file)).VersionId as string);
    }
    const listed = (await json("s3api", "list-object-versions", "--bucket", bucket)).Versions as Array<{ VersionId: string; IsLatest: boolean }>;
    expect(listed.map((v) => v.VersionId)).toEqual([...ids].reverse());
    for (const [i, body] of ["alpha", "beta", "gamma"].entries()) {
      const out = join(work, `out-${i}`);
      await json("s3api", "get-object", "--bucket", bucket, "--key", "doc", "--version-id", ids[i]!, out);
      expect(readFileSync(out, "utf8")).toBe(body);
    }
    const marker = await json("s3api", "delete-object", "--bucket", bucket, "--key", "doc");
    expect(marker.DeleteMarker).toBe(true);
    const missing = await aws("s3api", "head-object", "--bucket", bucket, "--key", "doc");
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("404");
    await json("s3api", "delete-object", "--bucket", bucket, "--key", "doc", "--version-id", marker.VersionId as string);
    expect((await json("s3api", "head-object", "--bucket", bucket, "--key", "doc")).VersionId).toBe(ids[2]);

    await json("s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Suspended");
    const file = join(work, "body.txt");
    writeFileSync(file, "null one");
    await json("s3api", "put-object", "--bucket", bucket, "--key", "doc", "--body", file);
    writeFileSync(file, "null two");
    await json("s3api", "put-object", "--bucket", bucket, "--key", "doc", "--body", file);
    const after = (await json("s3api", "list-object-versions", "--bucket", bucket)).Versions as Array<{ VersionId: string }>;
    expect(after.map((v) => v.VersionId)).toEqual(["null", ...[...ids].reverse()]);
    const rb = await aws("s3api", "delete-bucket", "--bucket", bucket);
    expect(rb.code).not.toBe(0);
    expect(rb.stderr).toContain("BucketNotEmpty");
  });
});

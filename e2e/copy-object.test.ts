// CopyObject through the AWS SDK: same and cross bucket, COPY/REPLACE, onto itself, copy-source conditions.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const src = bucketName("copysrc");
const dst = bucketName("copydst");
let srcEtag = "";

beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: src }));
  await s3.send(new CreateBucketCommand({ Bucket: dst }));
  const put = await s3.send(new PutObjectCommand({
    Bucket: src, Key: "orig name ü.txt", Body: "original body", ContentType: "text/plain", CacheControl: "no-cache", Metadata: { tag: "one" },
  }));
  srcEtag = put.ETag!;
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const source = (key = "orig name ü.txt", bucket = src) => `${bucket}/${encodeURIComponent(key)}`;
const body = async (bucket: string, key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

describe("CopyObject", () => {
  test("within a bucket keeps bytes, ETag, content headers and metadata (COPY)", async () => {
    const res = await s3.send(new CopyObjectCommand({ Bucket: src, Key: "copy1", CopySource: source() }));
    expect(res.CopyObjectResult?.ETag).toBe(srcEtag);
    expect(res.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: src, Key: "copy1" }));
    expect(head.ContentType).toBe("text/plain");
    expect(head.CacheControl).toBe("no-cache");
    expect(head.Metadata).toEqual({ tag: "one" });
    expect(await body(src, "copy1")).toBe("original body");
  });

  test("across buckets, with a leading slash in the source", async () => {
    await s3.send(new CopyObjectCommand({ Bucket: dst, Key: "deep/copy", CopySource: `/${source()}` }));
    expect(await body(dst, "deep/copy")).toBe("original body");
  });

  test("REPLACE takes the request's metadata and content type", async () => {
    await s3.send(new CopyObjectCommand({
      Bucket: dst, Key: "replaced", CopySource: source(), MetadataDirective: "REPLACE", ContentType: "application/json", Metadata: { tag: "two" },
    }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: dst, Key: "replaced" }));
    expect(head.ContentType).toBe("application/json");
    expect(head.Metadata).toEqual({ tag: "two" });
    expect(head.CacheControl).toBeUndefined();
  });

  test("onto itself needs REPLACE", async () => {
    await s3.send(new PutObjectCommand({ Bucket: src, Key: "self", Body: "me", Metadata: { v: "1" } }));
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: src, Key: "self", CopySource: source("self") })))).toBe("InvalidRequest");
    await s3.send(new CopyObjectCommand({ Bucket: src, Key: "self", CopySource: source("self"), MetadataDirective: "REPLACE", Metadata: { v: "2" } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: src, Key: "self" }));
    expect(head.Metadata).toEqual({ v: "2" });
    expect(await body(src, "self")).toBe("me");
  });

  test("copy-source conditions: if-match, if-none-match, if-modified-since, if-unmodified-since", async () => {
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    const copy = (extra: Record<string, unknown>) =>
      s3.send(new CopyObjectCommand({ Bucket: dst, Key: "cond", CopySource: source(), ...extra }));
    expect(await s3Status(copy({ CopySourceIfMatch: '"nope"' }))).toBe(412);
    expect(await s3Status(copy({ CopySourceIfNoneMatch: srcEtag }))).toBe(412);
    expect(await s3Status(copy({ CopySourceIfModifiedSince: future }))).toBe(412);
    expect(await s3Status(copy({ CopySourceIfUnmodifiedSince: past }))).toBe(412);
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: dst, Key: "cond" })))).toBe(404);
    expect(await s3Status(copy({ CopySourceIfMatch: srcEtag, CopySourceIfUnmodifiedSince: past }))).toBe(200);
    expect(await s3Status(copy({ CopySourceIfNoneMatch: '"other"', CopySourceIfModifiedSince: future }))).toBe(200);
  });

  test("a 20 MiB object is copied byte-identical", async () => {
    const data = crypto.getRandomValues(new Uint8Array(20 * 1024 * 1024));
    await s3.send(new PutObjectCommand({ Bucket: src, Key: "large", Body: data }));
    await s3.send(new CopyObjectCommand({ Bucket: dst, Key: "large", CopySource: source("large") }));
    const got = await s3.send(new GetObjectCommand({ Bucket: dst, Key: "large" }));
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.from(data))).toBe(0);
  });

  test("missing sources are NoSuchKey / NoSuchBucket; an unknown versionId is NoSuchVersion, a malformed one InvalidArgument", async () => {
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: dst, Key: "x", CopySource: source("missing") })))).toBe("NoSuchKey");
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: dst, Key: "x", CopySource: source("k", bucketName("gone")) })))).toBe("NoSuchBucket");
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: dst, Key: "x", CopySource: `${source()}?versionId=${"0".repeat(32)}` })))).toBe("NoSuchVersion");
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: dst, Key: "x", CopySource: `${source()}?versionId=abc` })))).toBe("InvalidArgument");
    expect(await s3Status(s3.send(new CopyObjectCommand({ Bucket: dst, Key: "x", CopySource: `${source()}?versionId=null` })))).toBe(200);
  });

  test("a source without a key is InvalidArgument", async () => {
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: dst, Key: "x", CopySource: src })))).toBe("InvalidArgument");
  });
});

// Object and bucket tagging with the JS SDK (S3's limits and errors as the S3 API reference gives
// them: 10 tags per object, 50 per bucket, keys ≤ 128 and values ≤ 256 Unicode characters, no
// duplicate keys, no aws: prefix). The AWS CLI's copies, which read and copy tags, are in awscli.test.ts.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteBucketTaggingCommand, DeleteObjectTaggingCommand,
  GetBucketTaggingCommand, GetObjectTaggingCommand, HeadObjectCommand, PutBucketTaggingCommand, PutObjectCommand, PutObjectTaggingCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { s3ErrorCode } from "./helpers/clients.ts";
import { signedFetch } from "./helpers/sign.ts";
import { serverWithBucket } from "./helpers/fixture.ts";

setDefaultTimeout(120_000);

const t = serverWithBucket("tags");
const { bucket } = t;

const tagsOf = async (key: string, b = bucket) =>
  Object.fromEntries(((await t.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: key }))).TagSet ?? []).map((t) => [t.Key, t.Value]));
const put = (key: string, tagging?: string) => t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, ...(tagging ? { Tagging: tagging } : {}) }));

describe("object tagging", () => {
  test("x-amz-tagging on PutObject is kept; HEAD says how many; Put/Get/DeleteObjectTagging", async () => {
    await put("t1", "project=blue&team=a%20b");
    expect(await tagsOf("t1")).toEqual({ project: "blue", team: "a b" });
    expect((await t.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "t1" }))).TagCount).toBe(2);
    await t.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "t1", Tagging: { TagSet: [{ Key: "only", Value: "one" }] } }));
    expect(await tagsOf("t1")).toEqual({ only: "one" });
    await t.s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: "t1" }));
    expect(await tagsOf("t1")).toEqual({});
    const head = await signedFetch(`${t.server.endpoint}/${bucket}/t1`, { method: "HEAD" });
    expect(head.headers.get("x-amz-tagging-count")).toBeNull();
  });

  test("S3's limits: 10 tags, key 128 and value 256 characters, no duplicates, no aws: prefix — and nothing stored", async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join("&");
    expect(await s3ErrorCode(put("bad1", eleven))).toBe("BadRequest");
    expect(await s3ErrorCode(put("bad2", `${"k".repeat(129)}=v`))).toBe("InvalidTag");
    expect(await s3ErrorCode(put("bad3", `k=${"v".repeat(257)}`))).toBe("InvalidTag");
    expect(await s3ErrorCode(put("bad4", "aws:owner=me"))).toBe("InvalidTag");
    expect(await s3ErrorCode(put("bad5", "k=1&k=2"))).toBe("InvalidTag");
    for (const k of ["bad1", "bad2", "bad3", "bad4", "bad5"]) {
      expect(await s3ErrorCode(t.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k })))).toBe("NotFound");
    }
    // Unicode characters count as one each: 128 of them is a valid key.
    await put("ok-unicode", `${encodeURIComponent("é".repeat(128))}=${encodeURIComponent("ü".repeat(256))}`);
    expect(Object.keys(await tagsOf("ok-unicode"))[0]).toBe("é".repeat(128));
    const tagSet = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect(await s3ErrorCode(t.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "ok-unicode", Tagging: { TagSet: tagSet } })))).toBe("BadRequest");
  });

  test("CopyObject keeps the source's tags (COPY) or takes the request's (REPLACE)", async () => {
    await put("src", "a=1");
    await t.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copied", CopySource: `${bucket}/src` }));
    expect(await tagsOf("copied")).toEqual({ a: "1" });
    await t.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "replaced", CopySource: `${bucket}/src`, TaggingDirective: "REPLACE", Tagging: "b=2" }));
    expect(await tagsOf("replaced")).toEqual({ b: "2" });
  });

  test("x-amz-tagging on CreateMultipartUpload applies when the upload completes", async () => {
    const { UploadId } = await t.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp", Tagging: "stage=done" }));
    const { ETag } = await t.s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "part" }));
    await t.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    expect(await tagsOf("mp")).toEqual({ stage: "done" });
  });

  test("tagging a missing key is NoSuchKey", async () => {
    expect(await s3ErrorCode(t.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: "nope" })))).toBe("NoSuchKey");
  });
});

describe("bucket tagging", () => {
  test("NoSuchTagSet until set; put, get, delete; 50 at most", async () => {
    expect(await s3ErrorCode(t.s3.send(new GetBucketTaggingCommand({ Bucket: bucket })))).toBe("NoSuchTagSet");
    await t.s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "cost-center", Value: "42" }] } }));
    expect((await t.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual([{ Key: "cost-center", Value: "42" }]);
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect(await s3ErrorCode(t.s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tooMany } })))).toBe("BadRequest");
    await t.s3.send(new DeleteBucketTaggingCommand({ Bucket: bucket }));
    expect(await s3ErrorCode(t.s3.send(new GetBucketTaggingCommand({ Bucket: bucket })))).toBe("NoSuchTagSet");
  });
});

// Multipart upload through the AWS SDK: lib-storage's Upload, the individual operations, their
// errors, partNumber reads, UploadPartCopy and composite checksums.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand,
  GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand, PutObjectCommand, UploadPartCommand,
  UploadPartCopyCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("mpu");
const MiB = 1024 * 1024;
const md5hex = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};

beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function bytes(key: string, extra: Record<string, unknown> = {}): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

async function upload(key: string, parts: Uint8Array[], create: Record<string, unknown> = {}) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...create }));
  const done = [];
  for (const [i, body] of parts.entries()) {
    const res = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }));
    done.push({ PartNumber: i + 1, ETag: res.ETag!, ...(res.ChecksumCRC32 ? { ChecksumCRC32: res.ChecksumCRC32 } : {}) });
  }
  return { uploadId: UploadId!, parts: done };
}

describe("lib-storage Upload", () => {
  test("64 MiB in 5 MiB parts with queueSize 4 round-trips byte-identical", async () => {
    const body = random(64 * MiB);
    const up = new Upload({ client: s3, params: { Bucket: bucket, Key: "big/64mib.bin", Body: body }, partSize: 5 * MiB, queueSize: 4 });
    const result = await up.done();
    expect(result.ETag).toMatch(/^"[0-9a-f]{32}-13"$/);
    expect(Buffer.compare(await bytes("big/64mib.bin"), Buffer.from(body))).toBe(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big/64mib.bin" }));
    expect(head.ContentLength).toBe(64 * MiB);
    expect(head.ETag).toBe(result.ETag);
  });
});

describe("the multipart operations", () => {
  const p1 = random(5 * MiB);
  const p2 = random(5 * MiB);
  const p3 = random(1234);

  test("Create, UploadPart, ListParts, Complete: ETag is md5-of-md5s-N, parts readable by partNumber", async () => {
    const { uploadId, parts } = await upload("three", [p1, p2, p3], { ContentType: "application/x-three", Metadata: { kind: "mpu" } });
    const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "three", UploadId: uploadId, MaxParts: 2 }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, 5 * MiB, parts[0]!.ETag], [2, 5 * MiB, parts[1]!.ETag]]);
    expect(listed.IsTruncated).toBe(true);
    const rest = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "three", UploadId: uploadId, PartNumberMarker: listed.NextPartNumberMarker }));
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([3]);

    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "three", UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const expected = new Bun.CryptoHasher("md5");
    for (const p of [p1, p2, p3]) expected.update(Buffer.from(md5hex(p), "hex"));
    expect(done.ETag).toBe(`"${expected.digest("hex")}-3"`);
    expect(done.Key).toBe("three");

    expect(Buffer.compare(await bytes("three"), Buffer.concat([p1, p2, p3]))).toBe(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "three" }));
    expect(head.ContentType).toBe("application/x-three");
    expect(head.Metadata).toEqual({ kind: "mpu" });
    // S3 returns x-amz-mp-parts-count only when the request names a partNumber (HeadObject reference).
    expect(head.PartsCount).toBeUndefined();
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "three", PartNumber: 1 }))).PartsCount).toBe(3);
    expect(Buffer.compare(await bytes("three", { PartNumber: 2 }), Buffer.from(p2))).toBe(0);
    const part3 = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "three", PartNumber: 3 }));
    expect(part3.ContentLength).toBe(1234);
    expect(part3.ContentRange).toBe(`bytes ${10 * MiB}-${10 * MiB + 1233}/${10 * MiB + 1234}`);
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "three", PartNumber: 4 })))).toBe("InvalidPartNumber");
  });

  test("a retried Complete answers the same ETag", async () => {
    const { uploadId, parts } = await upload("retry", [p3]);
    const cmd = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "retry", UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const first = await cmd();
    const second = await cmd();
    expect(second.ETag).toBe(first.ETag);
  });

  test("re-uploading a part replaces it", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "redo" }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "redo", UploadId, PartNumber: 1, Body: "first" }));
    const again = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "redo", UploadId, PartNumber: 1, Body: "second" }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "redo", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: again.ETag }] } }));
    expect((await bytes("redo")).toString()).toBe("second");
  });

  test("Complete refuses wrong ETags, bad order, small parts, empty lists, unknown uploads", async () => {
    const { uploadId, parts } = await upload("bad", [random(1000), random(1000)]);
    const complete = (list: Array<{ PartNumber: number; ETag: string }>, id = uploadId) =>
      s3ErrorCode(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "bad", UploadId: id, MultipartUpload: { Parts: list } })));
    expect(await complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }])).toBe("InvalidPart");
    expect(await complete([{ PartNumber: 7, ETag: parts[0]!.ETag }])).toBe("InvalidPart");
    expect(await complete([parts[1]!, parts[0]!])).toBe("InvalidPartOrder");
    expect(await complete(parts)).toBe("EntityTooSmall");
    expect(await complete([])).toBe("MalformedXML");
    expect(await complete(parts, "no-such-upload")).toBe("NoSuchUpload");
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "bad" })))).toBe(404);
  });

  test("part numbers outside 1..10000 are InvalidArgument; unknown uploads NoSuchUpload", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "pn" }));
    for (const n of [0, 10001]) {
      expect(await s3ErrorCode(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "pn", UploadId, PartNumber: n, Body: "x" })))).toBe("InvalidArgument");
    }
    expect(await s3ErrorCode(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "pn", UploadId: "nope", PartNumber: 1, Body: "x" })))).toBe("NoSuchUpload");
    expect(await s3ErrorCode(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "other-key", UploadId, PartNumber: 1, Body: "x" })))).toBe("NoSuchUpload");
  });

  test("Abort removes the upload", async () => {
    const { uploadId } = await upload("aborted", [random(100)]);
    const res = await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted", UploadId: uploadId }));
    expect(res.$metadata.httpStatusCode).toBe(204);
    expect(await s3ErrorCode(s3.send(new ListPartsCommand({ Bucket: bucket, Key: "aborted", UploadId: uploadId })))).toBe("NoSuchUpload");
    expect(await s3ErrorCode(s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted", UploadId: uploadId })))).toBe("NoSuchUpload");
  });

  test("If-None-Match: * on Complete refuses to overwrite", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "exists", Body: "here" }));
    const { uploadId, parts } = await upload("exists", [random(10)]);
    const status = await s3Status(s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: "exists", UploadId: uploadId, MultipartUpload: { Parts: parts }, IfNoneMatch: "*",
    })));
    expect(status).toBe(412);
    expect((await bytes("exists")).toString()).toBe("here");
  });

  test("UploadPartCopy copies whole objects and byte ranges", async () => {
    const source = random(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "copy-src", Body: source }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "copied" }));
    const a = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "copied", UploadId, PartNumber: 1, CopySource: `${bucket}/copy-src` }));
    const b = await s3.send(new UploadPartCopyCommand({
      Bucket: bucket, Key: "copied", UploadId, PartNumber: 2, CopySource: `${bucket}/copy-src`, CopySourceRange: "bytes=100-199",
    }));
    expect(a.CopyPartResult?.ETag).toBe(`"${md5hex(source)}"`);
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: "copied", UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.CopyPartResult!.ETag }, { PartNumber: 2, ETag: b.CopyPartResult!.ETag }] },
    }));
    expect(Buffer.compare(await bytes("copied"), Buffer.concat([source, source.subarray(100, 200)]))).toBe(0);
    const outside = s3.send(new UploadPartCopyCommand({
      Bucket: bucket, Key: "copied2", UploadId, PartNumber: 3, CopySource: `${bucket}/copy-src`, CopySourceRange: `bytes=0-${7 * MiB}`,
    }));
    expect(await s3Status(outside)).toBeGreaterThanOrEqual(400);
  });

  test("with ChecksumAlgorithm CRC32 the object gets a composite checksum", async () => {
    const { uploadId, parts } = await upload("crc-mpu", [p1, p3], { ChecksumAlgorithm: "CRC32" });
    expect(parts.every((p) => p.ChecksumCRC32)).toBe(true);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "crc-mpu", UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    expect(done.ChecksumCRC32).toMatch(/-2$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "crc-mpu", ChecksumMode: "ENABLED" }));
    await got.Body!.transformToByteArray();
    expect(got.ChecksumCRC32).toBe(done.ChecksumCRC32);
  });
});

describe("ListMultipartUploads", () => {
  test("by key then initiation, with prefix, delimiter and markers", async () => {
    const b = bucketName("uploads");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const ids: Record<string, string> = {};
    for (const key of ["a/1", "a/2", "b", "b", "c/x/y"]) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }));
      ids[`${key}#${Object.keys(ids).filter((k) => k.startsWith(`${key}#`)).length}`] = UploadId!;
    }
    const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(all.Uploads?.map((u) => u.Key)).toEqual(["a/1", "a/2", "b", "b", "c/x/y"]);
    expect(all.Uploads?.[2]?.UploadId).toBe(ids["b#0"]);
    const rolled = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Delimiter: "/" }));
    expect(rolled.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c/"]);
    expect(rolled.Uploads?.map((u) => u.Key)).toEqual(["b", "b"]);
    const paged = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, MaxUploads: 3 }));
    expect(paged.IsTruncated).toBe(true);
    expect([paged.NextKeyMarker, paged.NextUploadIdMarker]).toEqual(["b", ids["b#0"]]);
    const next = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, KeyMarker: paged.NextKeyMarker, UploadIdMarker: paged.NextUploadIdMarker }));
    expect(next.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([["b", ids["b#1"]], ["c/x/y", ids["c/x/y#0"]]]);
    const prefixed = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: "a/" }));
    expect(prefixed.Uploads?.map((u) => u.Key)).toEqual(["a/1", "a/2"]);
    // A bucket whose only content is unfinished uploads can be deleted; the uploads go with it.
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    expect(await s3ErrorCode(s3.send(new ListMultipartUploadsCommand({ Bucket: b })))).toBe("NoSuchBucket");
  });
});

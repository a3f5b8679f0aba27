// Flexible checksums end to end: the AWS SDK computes each algorithm itself; the server validates,
// stores and returns it, for single PUTs and multipart uploads.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand, GetObjectCommand,
  HeadObjectCommand, PutObjectCommand, UploadPartCommand, type ChecksumAlgorithm, type S3Client,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("sums");
const ALGORITHMS: ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];
const field = (a: ChecksumAlgorithm) => `Checksum${a}` as const;
const MiB = 1024 * 1024;

beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe.each(ALGORITHMS)("%s", (algorithm) => {
  test("PutObject: validated, stored, returned with ChecksumMode on GET and HEAD", async () => {
    const key = `single-${algorithm}`;
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "checksum me", ChecksumAlgorithm: algorithm }));
    const sent = put[field(algorithm)];
    expect(sent).toBeTruthy();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(await got.Body!.transformToString()).toBe("checksum me");
    expect(got[field(algorithm)]).toBe(sent);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(head[field(algorithm)]).toBe(sent);
    const plain = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(plain[field(algorithm)]).toBeUndefined();
  });

  test("PutObject streamed (aws-chunked with a trailing checksum)", async () => {
    const key = `stream-${algorithm}`;
    const parts = [Buffer.alloc(100_000, 1), Buffer.alloc(50_000, 2)];
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Readable.from(parts), ContentLength: 150_000, ChecksumAlgorithm: algorithm }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.concat(parts))).toBe(0);
    expect(got[field(algorithm)]).toBe(put[field(algorithm)]);
  });

  test("a wrong value is refused and nothing is stored", async () => {
    const key = `wrong-${algorithm}`;
    const bogus = Buffer.alloc(algorithm === "SHA256" ? 32 : algorithm === "SHA1" ? 20 : algorithm === "CRC64NVME" ? 8 : 4, 7).toString("base64");
    const code = await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "data", [field(algorithm)]: bogus })));
    expect(code).toBe("BadDigest");
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toBe(404);
  });

  test("multipart: per-part checksums and the object's checksum", async () => {
    const key = `mpu-${algorithm}`;
    const { UploadId, ChecksumType } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: algorithm }));
    const bodies = [Buffer.alloc(5 * MiB, 3), Buffer.alloc(1000, 4)];
    const parts = [];
    for (const [i, Body] of bodies.entries()) {
      const res = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: algorithm }));
      expect(res[field(algorithm)]).toBeTruthy();
      parts.push({ PartNumber: i + 1, ETag: res.ETag!, [field(algorithm)]: res[field(algorithm)] });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    const expected = ChecksumType === "FULL_OBJECT" ? /^[A-Za-z0-9+/=]+$/ : /-2$/;
    expect(done[field(algorithm)]).toMatch(expected);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(head[field(algorithm)]).toBe(done[field(algorithm)]);
  });
});

describe("GetObjectAttributes", () => {
  test("ETag, checksum, size, storage class and parts", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "attrs", ChecksumAlgorithm: "CRC32" }));
    const parts = [];
    for (const [i, Body] of [Buffer.alloc(5 * MiB, 1), Buffer.alloc(10, 2)].entries()) {
      const res = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "attrs", UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: "CRC32" }));
      parts.push({ PartNumber: i + 1, ETag: res.ETag!, ChecksumCRC32: res.ChecksumCRC32 });
    }
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "attrs", UploadId, MultipartUpload: { Parts: parts } }));
    const attrs = await s3.send(new GetObjectAttributesCommand({
      Bucket: bucket, Key: "attrs", ObjectAttributes: ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"],
    }));
    expect(`"${attrs.ETag}"`).toBe(done.ETag!);
    expect(attrs.ObjectSize).toBe(5 * MiB + 10);
    expect(attrs.StorageClass).toBe("STANDARD");
    expect(attrs.Checksum?.ChecksumCRC32).toBe(done.ChecksumCRC32);
    expect(attrs.ObjectParts?.TotalPartsCount).toBe(2);
    expect(attrs.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, 5 * MiB], [2, 10]]);
    const only = await s3.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: "attrs", ObjectAttributes: ["ObjectSize"] }));
    expect(only.ObjectSize).toBe(5 * MiB + 10);
    expect(only.ETag).toBeUndefined();
  });
});

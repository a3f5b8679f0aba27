// The "aws" storage backend against a real S3 API: another BleepStore on loopback stands in for
// AWS S3 (path-style, the default credentials chain fed by AWS_* variables). The storage contract
// runs against AwsStorage directly, then a whole BleepStore runs with storage.backend=aws and is
// driven by the AWS SDK, and its bytes are found in the upstream bucket.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, HeadObjectCommand, CreateMultipartUploadCommand, GetObjectCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AwsStorage } from "../src/storage/aws.ts";
import { storageContract } from "../test/contract/storage.contract.ts";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { runNestedSuite, STORAGE_E2E } from "./helpers/nested.ts";
import { ACCESS_KEY, EXTERNAL_ENDPOINT, SECRET_KEY, startServer, type TestServer } from "./helpers/server.ts";

setDefaultTimeout(60_000);

const UPSTREAM_BUCKET = bucketName("upstream");
let upstream: TestServer;
let upstreamS3: S3Client;
const credentialsEnv = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY };

beforeAll(async () => {
  upstream = await startServer();
  upstreamS3 = awsClient(upstream.endpoint);
  await upstreamS3.send(new CreateBucketCommand({ Bucket: UPSTREAM_BUCKET }));
});
afterAll(async () => {
  await upstream?.[Symbol.asyncDispose]();
});

const credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };

storageContract("aws (BleepStore as the upstream S3)", { compose: false, sessions: true, copy: true }, async () => new AwsStorage({
  bucket: UPSTREAM_BUCKET, region: "us-east-1", prefix: "contract/", endpoint_url: upstream.endpoint, use_path_style: true, credentials,
}));

test("aws: a source that fails after the first part aborts the upstream multipart upload", async () => {
  const storage = new AwsStorage({
    bucket: UPSTREAM_BUCKET, region: "us-east-1", prefix: "abort/", endpoint_url: upstream.endpoint, use_path_style: true, credentials,
  });
  async function* brokenOff() {
    yield new Uint8Array(9 * 1024 * 1024);
    throw new Error("client went away");
  }
  await expect(storage.write(brokenOff())).rejects.toThrow("client went away");
  const uploads = await upstreamS3.send(new ListMultipartUploadsCommand({ Bucket: UPSTREAM_BUCKET, Prefix: "abort/" }));
  expect(uploads.Uploads ?? []).toEqual([]);
  const objects = await upstreamS3.send(new ListObjectsV2Command({ Bucket: UPSTREAM_BUCKET, Prefix: "abort/" }));
  expect(objects.KeyCount).toBe(0);
  await storage.close();
});

describe.skipIf(EXTERNAL_ENDPOINT !== undefined)("a BleepStore with storage.backend=aws", () => {
  let gateway: TestServer;
  let s3: S3Client;
  const bucket = bucketName("via-aws");
  beforeAll(async () => {
    gateway = await startServer({
      env: {
        ...credentialsEnv,
        BLEEPSTORE_STORAGE_BACKEND: "aws",
        BLEEPSTORE_STORAGE_AWS_BUCKET: UPSTREAM_BUCKET,
        BLEEPSTORE_STORAGE_AWS_PREFIX: "objects/",
        BLEEPSTORE_STORAGE_AWS_ENDPOINT_URL: upstream.endpoint,
        BLEEPSTORE_STORAGE_AWS_USE_PATH_STYLE: "true",
      },
    });
    s3 = awsClient(gateway.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await gateway?.[Symbol.asyncDispose]();
  });

  test.skipIf(!!process.env.BLEEPSTORE_BINARY)("the core e2e files pass against it", async () => {
    const { code, summary } = await runNestedSuite(STORAGE_E2E, {
      ...credentialsEnv, BLEEPSTORE_STORAGE_BACKEND: "aws", BLEEPSTORE_STORAGE_AWS_BUCKET: UPSTREAM_BUCKET, BLEEPSTORE_STORAGE_AWS_PREFIX: "core/",
      BLEEPSTORE_STORAGE_AWS_ENDPOINT_URL: upstream.endpoint, BLEEPSTORE_STORAGE_AWS_USE_PATH_STYLE: "true",
    }, "storage aws");
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  }, 600_000);

  test("objects round-trip, and their bytes live in the upstream bucket under the prefix", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "hello via aws" }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello via aws");
    const ranged = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt", Range: "bytes=6-8" }));
    expect(await ranged.Body!.transformToString()).toBe("via");
    const stored = await upstreamS3.send(new ListObjectsV2Command({ Bucket: UPSTREAM_BUCKET, Prefix: "objects/" }));
    const bodies = await Promise.all((stored.Contents ?? []).map(async (o) =>
      (await upstreamS3.send(new GetObjectCommand({ Bucket: UPSTREAM_BUCKET, Key: o.Key! }))).Body!.transformToString()));
    expect(bodies).toContain("hello via aws");
  });

  test("a 20 MiB multipart upload (streamed upstream in 8 MiB parts) comes back byte-identical", async () => {
    const body = crypto.getRandomValues(new Uint8Array(20 * 1024 * 1024));
    await new Upload({ client: s3, params: { Bucket: bucket, Key: "big.bin", Body: body }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), Buffer.from(body))).toBe(0);
  });

  test("SSE-C multipart through the upstream's own multipart: the upstream holds ciphertext only; reads whole and across parts", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const ssec = {
      SSECustomerAlgorithm: "AES256", SSECustomerKey: Buffer.from(key).toString("base64"),
      SSECustomerKeyMD5: new Bun.CryptoHasher("md5").update(key).digest("base64"),
    };
    const marker = "UPSTREAM-SEES-NO-PLAINTEXT";
    const parts = [5 * 1024 * 1024, 5 * 1024 * 1024, 1000].map((n) => Buffer.alloc(n, marker));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "sealed.bin", ...ssec }));
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "sealed.bin", UploadId, PartNumber: i + 3, Body, ...ssec }));
      done.push({ PartNumber: i + 3, ETag: r.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "sealed.bin", UploadId, MultipartUpload: { Parts: done } }));
    const whole = Buffer.concat(parts);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "sealed.bin", ...ssec }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    const [a, b] = [5 * 1024 * 1024 - 7, 10 * 1024 * 1024 + 9];
    const ranged = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "sealed.bin", Range: `bytes=${a}-${b}`, ...ssec }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(whole.subarray(a, b + 1))).toBe(true);
    const stored = await upstreamS3.send(new ListObjectsV2Command({ Bucket: UPSTREAM_BUCKET, Prefix: "objects/" }));
    for (const o of stored.Contents ?? []) {
      const bytes = await (await upstreamS3.send(new GetObjectCommand({ Bucket: UPSTREAM_BUCKET, Key: o.Key! }))).Body!.transformToByteArray();
      expect(Buffer.from(bytes).includes(marker)).toBe(false);
    }
  });

  test("CopyObject is a server-side copy upstream: no byte goes up again; an SSE copy streams and re-encrypts", async () => {
    const received = async () => Number(/^bleepstore_bytes_received_total (\d+)/m.exec(await (await fetch(`${upstream.endpoint}/metrics`)).text())![1]);
    const body = crypto.getRandomValues(new Uint8Array(20 * 1024 * 1024));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "copy-src", Body: body }));
    const before = await received();
    const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-dst", CopySource: `${bucket}/copy-src` }));
    expect(await received() - before).toBeLessThan(64 * 1024);
    const src = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy-src" }));
    expect(copy.CopyObjectResult?.ETag).toBe(src.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "copy-dst" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);
    const sealedBefore = await received();
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy-sealed", CopySource: `${bucket}/copy-src`, ServerSideEncryption: "AES256" }));
    expect(await received() - sealedBefore).toBeGreaterThanOrEqual(20 * 1024 * 1024);
    const sealed = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "copy-sealed" }));
    expect(Buffer.from(await sealed.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);
  });

  test("a 256 MiB multipart upload maps onto the upstream's own: each byte goes up once, Complete sends none", async () => {
    const received = async () => {
      const text = await (await fetch(`${upstream.endpoint}/metrics`)).text();
      return Number(/^bleepstore_bytes_received_total (\d+)/m.exec(text)![1]);
    };
    const PART = 8 * 1024 * 1024;
    const PARTS = 32;
    const part = new Uint8Array(PART);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "native.bin" }));
    const before = await received();
    const parts = [];
    const whole = new Bun.CryptoHasher("sha256");
    for (let n = 1; n <= PARTS; n++) {
      part.fill(n);
      whole.update(part);
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "native.bin", UploadId, PartNumber: n, Body: part }));
      parts.push({ PartNumber: n, ETag });
    }
    const afterParts = await received();
    // Each part's bytes went upstream once (aws-chunked framing adds a little).
    expect(afterParts - before).toBeGreaterThanOrEqual(PART * PARTS);
    expect(afterParts - before).toBeLessThan(PART * PARTS * 1.01);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "native.bin", UploadId, MultipartUpload: { Parts: parts } }));
    const completeBytes = (await received()) - afterParts;
    // Only the CompleteMultipartUpload document went up: no object bytes.
    expect(completeBytes).toBeLessThan(16 * 1024);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "native.bin" }));
    const digest = new Bun.CryptoHasher("sha256");
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) digest.update(chunk);
    expect(digest.digest("hex")).toBe(whole.digest("hex"));
    // No part objects of BleepStore's own upstream: only the completed object (and earlier tests' objects).
    const pending = await upstreamS3.send(new ListMultipartUploadsCommand({ Bucket: UPSTREAM_BUCKET, Prefix: "objects/" }));
    expect(pending.Uploads ?? []).toEqual([]);
  }, 180_000);

  test("an aborted upload leaves no upstream upload behind", async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "aborted.bin" }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "aborted.bin", UploadId, PartNumber: 1, Body: "some bytes" }));
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted.bin", UploadId }));
    const pending = await upstreamS3.send(new ListMultipartUploadsCommand({ Bucket: UPSTREAM_BUCKET, Prefix: "objects/" }));
    expect(pending.Uploads ?? []).toEqual([]);
  });

  test("readiness checks the upstream bucket", async () => {
    expect((await fetch(`${gateway.endpoint}/readyz`)).status).toBe(200);
  });
});

// Every GET and HEAD answers with a Content-Length equal to the bytes sent, never chunked: whole
// objects, ranges and parts, of single PUTs and of multipart uploads read at once after Complete
// (before local storage has made their parts one file) and later, plain, SSE-S3 and SSE-C, above and
// below the size up to which bodies are held in memory (8 MiB). A core e2e file: it runs on every
// storage backend and metadata engine, with server.http_engine node, and against the compiled binary.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutBucketEncryptionCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { existsSync } from "node:fs";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires, unless } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";

setDefaultTimeout(120_000);
const fx = serverWithBucket("length");
const MiB = 1024 * 1024;

const customerKey = Buffer.alloc(32, 7);
const SSEC_SDK = {
  SSECustomerAlgorithm: "AES256", SSECustomerKey: customerKey.toString("base64"), SSECustomerKeyMD5: createHash("md5").update(customerKey).digest("base64"),
};
const SSEC_HEADERS = {
  "x-amz-server-side-encryption-customer-algorithm": "AES256",
  "x-amz-server-side-encryption-customer-key": customerKey.toString("base64"),
  "x-amz-server-side-encryption-customer-key-md5": createHash("md5").update(customerKey).digest("base64"),
};
type Protection = "none" | "SSE-S3" | "SSE-C";
const sdkSse = (p: Protection) => (p === "SSE-C" ? SSEC_SDK : p === "SSE-S3" ? { ServerSideEncryption: "AES256" as const } : {});
const readHeaders = (p: Protection): Record<string, string> => (p === "SSE-C" ? SSEC_HEADERS : {});

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** GET (or HEAD) with its Content-Length checked against what arrived; the bytes. */
async function read(key: string, p: Protection, extra: { query?: string; range?: string; method?: string } = {}): Promise<{ status: number; body: Uint8Array; length: number }> {
  const url = `${fx.server.endpoint}/${fx.bucket}/${encodeURIComponent(key)}${extra.query ?? ""}`;
  const res = await signedFetch(url, { method: extra.method ?? "GET", headers: { ...readHeaders(p), ...(extra.range ? { range: extra.range } : {}) } });
  expect(res.headers.get("transfer-encoding")).toBeNull();
  const length = res.headers.get("content-length");
  expect(length).not.toBeNull();
  const body = new Uint8Array(await res.arrayBuffer());
  if ((extra.method ?? "GET") === "GET") expect(Number(length)).toBe(body.length);
  return { status: res.status, body, length: Number(length) };
}

async function multipart(key: string, parts: Uint8Array[], p: Protection): Promise<void> {
  const { UploadId } = await fx.s3.send(new CreateMultipartUploadCommand({ Bucket: fx.bucket, Key: key, ...sdkSse(p) }));
  const done = [];
  for (const [i, Body] of parts.entries()) {
    const { ETag } = await fx.s3.send(new UploadPartCommand({ Bucket: fx.bucket, Key: key, UploadId, PartNumber: i + 1, Body, ...(p === "SSE-C" ? SSEC_SDK : {}) }));
    done.push({ PartNumber: i + 1, ETag });
  }
  await fx.s3.send(new CompleteMultipartUploadCommand({ Bucket: fx.bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }));
}

describe.each(["none", "SSE-S3", "SSE-C"] as const)("Content-Length, %s", (p) => {
  test("a single PUT over 8 MiB and one under it: whole, ranges across the 8 MiB line, HEAD", async () => {
    for (const size of [9 * MiB + 3, 100_000]) {
      const data = bytes(size, size & 0xff);
      const key = `single-${p}-${size}`;
      await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: key, Body: data, ...sdkSse(p) }));
      const whole = await read(key, p);
      expect(whole.status).toBe(200);
      expect(whole.body).toEqual(data);
      const range = await read(key, p, { range: `bytes=10-${size - 11}` });
      expect(range.status).toBe(206);
      expect(range.body).toEqual(data.subarray(10, size - 10));
      const tail = await read(key, p, { range: "bytes=-5000" });
      expect(tail.body).toEqual(data.subarray(size - 5000));
      expect((await read(key, p, { method: "HEAD" })).length).toBe(size);
    }
  });

  test("a multipart object (5 MiB, 5 MiB, 1,000 bytes) read at once after Complete and again: whole, a range across parts, each part, HEAD", async () => {
    const parts = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(1000, 3)];
    const all = new Uint8Array(10 * MiB + 1000);
    all.set(parts[0]!, 0);
    all.set(parts[1]!, 5 * MiB);
    all.set(parts[2]!, 10 * MiB);
    const key = `multi-${p}`;
    await multipart(key, parts, p);
    for (let round = 0; round < 2; round++) {
      const whole = await read(key, p);
      expect(whole.status).toBe(200);
      expect(whole.body.length).toBe(all.length);
      expect(Buffer.compare(whole.body, all)).toBe(0);
      const across = await read(key, p, { range: `bytes=${MiB}-${10 * MiB + 10}` });
      expect(Buffer.compare(across.body, all.subarray(MiB, 10 * MiB + 11))).toBe(0);
      for (const [i, part] of parts.entries()) {
        const got = await read(key, p, { query: `?partNumber=${i + 1}` });
        expect(got.status).toBe(206);
        expect(Buffer.compare(got.body, part)).toBe(0);
      }
      expect((await read(key, p, { method: "HEAD" })).length).toBe(all.length);
      expect((await read(key, p, { method: "HEAD", query: "?partNumber=3" })).length).toBe(1000);
    }
  });
});

test("a bucket with default encryption (SSE-S3): objects written without asking are read with their length", async () => {
  const key = "default-encrypted";
  await fx.s3.send(new PutBucketEncryptionCommand({
    Bucket: fx.bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
  }));
  const data = bytes(20_000_000, 9);
  await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: key, Body: data }));
  const got = await read(key, "none");
  expect(got.length).toBe(20_000_000);
  expect(Buffer.compare(got.body, data)).toBe(0);
});

// The reproduction with boto3 (Debian's python3-boto3): get_object()['ContentLength'] was None.
const PYTHON = "/usr/bin/python3";
const hasBoto3 = requires("boto3 (Debian's python3-boto3)",
  unless(existsSync(PYTHON) && Bun.spawnSync([PYTHON, "-c", "import boto3"]).exitCode === 0, "apt-get install python3-boto3"));

test.skipIf(!hasBoto3)("boto3: get_object()['ContentLength'] of a 20 MB SSE-S3 object and of a multipart object read at once after Complete", async () => {
  const script = `
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=${JSON.stringify(fx.server.endpoint)}, aws_access_key_id=${JSON.stringify(ACCESS_KEY)},
                  aws_secret_access_key=${JSON.stringify(SECRET_KEY)}, region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
b = ${JSON.stringify(fx.bucket)}
s3.put_object(Bucket=b, Key="boto-sse", Body=b"s" * 20_000_000, ServerSideEncryption="AES256")
got = s3.get_object(Bucket=b, Key="boto-sse")
print("sse", got["ContentLength"], len(got["Body"].read()))
up = s3.create_multipart_upload(Bucket=b, Key="boto-mp")["UploadId"]
parts = [s3.upload_part(Bucket=b, Key="boto-mp", UploadId=up, PartNumber=n, Body=body)["ETag"] for n, body in ((1, b"a" * 5242880), (2, b"b" * 5242880), (3, b"c" * 1000))]
s3.complete_multipart_upload(Bucket=b, Key="boto-mp", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(parts)]})
got = s3.get_object(Bucket=b, Key="boto-mp")
print("mp", got["ContentLength"], len(got["Body"].read()))
`;
  const proc = Bun.spawn([PYTHON, "-c", script], { env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(err).toBe("");
  expect(out).toBe(`sse 20000000 20000000\nmp ${10 * MiB + 1000} ${10 * MiB + 1000}\n`);
  expect(code).toBe(0);
});

// Presigned URLs (from the AWS SDK's presigner) for every method, their expiry and method binding;
// aws-chunked bodies with per-chunk and trailer signatures, tampered ones refused with nothing kept.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { awsClient, bucketName, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { signedChunkedPut } from "./helpers/sign.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("presign");
beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "doc.txt", Body: "presigned content" }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const exists = async (key: string) => (await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) === 200;

describe("presigned URLs", () => {
  test("GET, HEAD, PUT and DELETE each work through plain fetch", async () => {
    const get = await fetch(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "doc.txt" }), { expiresIn: 300 }));
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("presigned content");
    const head = await fetch(await getSignedUrl(s3, new HeadObjectCommand({ Bucket: bucket, Key: "doc.txt" }), { expiresIn: 300 }), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("17");
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: "up.txt" }), { expiresIn: 300 });
    expect((await fetch(putUrl, { method: "PUT", body: "uploaded" })).status).toBe(200);
    expect(await exists("up.txt")).toBe(true);
    const del = await fetch(await getSignedUrl(s3, new DeleteObjectCommand({ Bucket: bucket, Key: "up.txt" }), { expiresIn: 300 }), { method: "DELETE" });
    expect(del.status).toBe(204);
    expect(await exists("up.txt")).toBe(false);
  });

  test("an expired URL is 403 AccessDenied with a clear message, and a PUT through it stores nothing", async () => {
    const signingDate = new Date(Date.now() - 120_000);
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: "late.txt" }), { expiresIn: 60, signingDate });
    const res = await fetch(url, { method: "PUT", body: "too late" });
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(text).toContain("Request has expired");
    expect(await exists("late.txt")).toBe(false);
  });

  test("a URL signed for GET does not DELETE or PUT", async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "doc.txt" }), { expiresIn: 300 });
    expect((await fetch(url, { method: "DELETE" })).status).toBe(403);
    expect((await fetch(url, { method: "PUT", body: "overwrite" })).status).toBe(403);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "doc.txt" }))).Body!.transformToString()).toBe("presigned content");
  });

  test("X-Amz-Expires over a week is refused", async () => {
    const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "doc.txt" }), { expiresIn: 300 }));
    url.searchParams.set("X-Amz-Expires", "604801");
    const res = await fetch(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("AuthorizationQueryParametersError");
  });
});

describe("aws-chunked with chunk signatures", () => {
  const chunks = [new Uint8Array(65536).fill(97), new Uint8Array(1024).fill(98)];
  const whole = Buffer.concat(chunks);

  test("STREAMING-AWS4-HMAC-SHA256-PAYLOAD stores the decoded bytes", async () => {
    const res = await fetch(`${server.endpoint}/${bucket}/chunked`, signedChunkedPut(`${server.endpoint}/${bucket}/chunked`, chunks));
    expect(res.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "chunked" }));
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), whole)).toBe(0);
  });

  test.each([0, 1, 2])("a tampered signature on chunk %i is refused and keeps nothing", async (n) => {
    const key = `tampered-${n}`;
    const url = `${server.endpoint}/${bucket}/${key}`;
    const res = await fetch(url, signedChunkedPut(url, chunks, { tamperChunk: n }));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("SignatureDoesNotMatch");
    expect(await exists(key)).toBe(false);
  });

  test("with a signed trailing checksum: right is stored, wrong checksum or trailer signature is refused", async () => {
    const crc = (b: Uint8Array) => { const out = Buffer.alloc(4); out.writeUInt32BE(Bun.hash.crc32(b)); return out.toString("base64"); };
    const ok = `${server.endpoint}/${bucket}/trailer-ok`;
    const good = await fetch(ok, signedChunkedPut(ok, chunks, { trailer: { name: "x-amz-checksum-crc32", value: crc(whole) } }));
    expect(good.status).toBe(200);
    expect(good.headers.get("x-amz-checksum-crc32")).toBe(crc(whole));

    const badSum = `${server.endpoint}/${bucket}/trailer-bad-sum`;
    const wrong = await fetch(badSum, signedChunkedPut(badSum, chunks, { trailer: { name: "x-amz-checksum-crc32", value: "AAAAAA==" } }));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("BadDigest");
    expect(await exists("trailer-bad-sum")).toBe(false);

    const badSig = `${server.endpoint}/${bucket}/trailer-bad-sig`;
    const forged = await fetch(badSig, signedChunkedPut(badSig, chunks, { trailer: { name: "x-amz-checksum-crc32", value: crc(whole) }, tamperTrailer: true }));
    expect(forged.status).toBe(403);
    expect(await exists("trailer-bad-sig")).toBe(false);
  });
});

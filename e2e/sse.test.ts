// Server-side encryption, end to end: SSE-C with the JS SDK and the AWS CLI (missing key 400, wrong
// key 403, right key byte-exact, ranges, multipart, copies between keys) and SSE-S3 (per request and
// as the bucket default). Every test reads the storage directory: a marker string in the plaintext
// must not appear in any stored file.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand, GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, UploadPartCommand,
  UploadPartCopyCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { requires, unless } from "./helpers/requires.ts";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { command, EXTERNAL_ENDPOINT, serverEnv, type TestServer } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";
import { copySsec, marked, markerUnder, ssec } from "./helpers/sse.ts";

requires("the AWS CLI v2 (/usr/bin/aws)", unless(hasAwsCli, "apt-get install awscli"));

setDefaultTimeout(90_000);
const MiB = 1024 * 1024;
const fixture = serverWithBucket("sse");
const { bucket } = fixture;
let server: TestServer;
let s3: S3Client;
const work = mkdtempSync(join(tmpdir(), "bleepstore-sse-"));
beforeAll(() => ({ server, s3 } = fixture));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const keyA = randomBytes(32);
const keyB = randomBytes(32);
/** Whether any file under the object directory holds `marker` (a completed upload's part links come and go while it looks). */
const onDisk = (marker: string) => !EXTERNAL_ENDPOINT && markerUnder(join(server.dataDir, "objects"), marker);
const bytes = async (p: Promise<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>) => Buffer.from(await (await p).Body!.transformToByteArray());

describe("SSE-C", () => {
  test("PUT → GET without the key 400, a wrong key 403, the right key byte-exact (and ranges); HEAD alike; nothing readable on disk", async () => {
    const marker = "SSEC-MARKER-single-put";
    const body = marked(300_000, marker);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "secret.bin", Body: body, ...ssec(keyA) }));
    expect(put.SSECustomerAlgorithm).toBe("AES256");
    expect(put.SSECustomerKeyMD5).toBe(ssec(keyA).SSECustomerKeyMD5);
    expect(put.ETag).not.toBe(`"${createHash("md5").update(body).digest("hex")}"`);
    expect(onDisk(marker)).toBe(false);

    const plain = s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.bin" }));
    expect(await s3Status(plain)).toBe(400);
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.bin" })))).toBe("InvalidRequest");
    expect(await s3Status(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.bin", ...ssec(keyB) })))).toBe(403);
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.bin", ...ssec(keyA) })))).equals(body)).toBe(true);
    for (const [a, b] of [[0, 0], [17, 100_016], [299_990, 299_999]] as const) {
      const part = await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "secret.bin", Range: `bytes=${a}-${b}`, ...ssec(keyA) })));
      expect(part.equals(body.subarray(a, b + 1))).toBe(true);
    }
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "secret.bin" })))).toBe(400);
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "secret.bin", ...ssec(keyB) })))).toBe(403);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "secret.bin", ...ssec(keyA) }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.SSECustomerAlgorithm).toBe("AES256");
    // A key on an object that is not SSE-C is refused; a malformed key set is InvalidArgument.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "plain.txt", Body: "plain" }));
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "plain.txt", ...ssec(keyA) })))).toBe("InvalidRequest");
    // The SDK computes the key MD5 itself; a raw signed request sends a wrong one, and a short key.
    const raw = (key: Buffer, md5: Buffer) => signedFetch(`${server.endpoint}/${bucket}/bad-key`, {
      method: "PUT", body: "x", headers: {
        "x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key": key.toString("base64"),
        "x-amz-server-side-encryption-customer-key-md5": createHash("md5").update(md5).digest("base64"),
      },
    });
    for (const res of [await raw(keyA, keyB), await raw(keyA.subarray(0, 16), keyA.subarray(0, 16))]) {
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("<Code>InvalidArgument</Code>");
    }
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "bad-key" })))).toBe(404);
  });

  test("multipart with SSE-C: every part needs the key; the object reads whole and across part boundaries", async () => {
    const marker = "SSEC-MARKER-multipart";
    const parts = [marked(5 * MiB, marker), marked(5 * MiB + 123, marker), marked(777, marker)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "multi.bin", ...ssec(keyA) }));
    expect(await s3Status(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "multi.bin", UploadId, PartNumber: 1, Body: parts[0] })))).toBe(400);
    expect(await s3Status(s3.send(new UploadPartCommand({ Bucket: bucket, Key: "multi.bin", UploadId, PartNumber: 1, Body: parts[0], ...ssec(keyB) })))).toBe(403);
    // Part numbers 2, 4, 7: a gap-free numbering is not assumed.
    const numbers = [2, 4, 7];
    const done = [];
    for (const [i, body] of parts.entries()) {
      const r = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "multi.bin", UploadId, PartNumber: numbers[i], Body: body, ...ssec(keyA) }));
      done.push({ PartNumber: numbers[i], ETag: r.ETag });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "multi.bin", UploadId, MultipartUpload: { Parts: done } }));
    expect(onDisk(marker)).toBe(false);
    const whole = Buffer.concat(parts);
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi.bin", ...ssec(keyA) })))).equals(whole)).toBe(true);
    const [a, b] = [5 * MiB - 10, 10 * MiB + 200];
    const across = await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi.bin", Range: `bytes=${a}-${b}`, ...ssec(keyA) })));
    expect(across.equals(whole.subarray(a, b + 1))).toBe(true);
    const part2 = await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi.bin", PartNumber: 2, ...ssec(keyA) })));
    expect(part2.equals(parts[1]!)).toBe(true);
    expect(await s3Status(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "multi.bin" })))).toBe(400);
  });

  test("copy between SSE-C keys, to SSE-S3 and to plaintext; UploadPartCopy from an SSE-C source", async () => {
    const body = marked(200_000, "SSEC-MARKER-copy");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "src.bin", Body: body, ...ssec(keyA) }));
    expect(await s3Status(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst.bin", CopySource: `${bucket}/src.bin`, ...ssec(keyB) })))).toBe(400);
    expect(await s3Status(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst.bin", CopySource: `${bucket}/src.bin`, ...copySsec(keyB), ...ssec(keyB) })))).toBe(403);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst.bin", CopySource: `${bucket}/src.bin`, ...copySsec(keyA), ...ssec(keyB) }));
    expect(await s3Status(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst.bin", ...ssec(keyA) })))).toBe(403);
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst.bin", ...ssec(keyB) })))).equals(body)).toBe(true);
    expect(onDisk("SSEC-MARKER-copy")).toBe(false);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst-s3.bin", CopySource: `${bucket}/src.bin`, ...copySsec(keyA), ServerSideEncryption: "AES256" }));
    const s3got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst-s3.bin" }));
    expect(s3got.ServerSideEncryption).toBe("AES256");
    expect(Buffer.from(await s3got.Body!.transformToByteArray()).equals(body)).toBe(true);
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "dst-plain.bin", CopySource: `${bucket}/src.bin`, ...copySsec(keyA) }));
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dst-plain.bin" })))).equals(body)).toBe(true);
    // (That copy is plaintext on purpose: the marker is on disk from here on.)

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "from-copy.bin", ...ssec(keyB) }));
    const part = await s3.send(new UploadPartCopyCommand({
      Bucket: bucket, Key: "from-copy.bin", UploadId, PartNumber: 1, CopySource: `${bucket}/src.bin`, CopySourceRange: "bytes=100-149999",
      ...copySsec(keyA), ...ssec(keyB),
    }));
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: "from-copy.bin", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult!.ETag }] },
    }));
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "from-copy.bin", ...ssec(keyB) })))).equals(body.subarray(100, 150_000))).toBe(true);
  });

  test.skipIf(!hasAwsCli)("the AWS CLI v2: put-object and get-object with --sse-customer-key, and without it", async () => {
    const aws = awsCli(() => server.endpoint, () => work);
    const file = join(work, "cli.txt");
    writeFileSync(file, "SSEC-MARKER-cli: only for the key holder");
    const key = "0123456789abcdef0123456789abcdef";
    const put = await aws("s3api", "put-object", "--bucket", bucket, "--key", "cli.txt", "--body", file, "--sse-customer-algorithm", "AES256", "--sse-customer-key", key);
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout).SSECustomerAlgorithm).toBe("AES256");
    const out = join(work, "cli.out");
    const without = await aws("s3api", "get-object", "--bucket", bucket, "--key", "cli.txt", out);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain("(InvalidRequest)");
    const wrong = await aws("s3api", "get-object", "--bucket", bucket, "--key", "cli.txt", "--sse-customer-algorithm", "AES256", "--sse-customer-key", "x".repeat(32), out);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/AccessDenied|403/);
    const right = await aws("s3api", "get-object", "--bucket", bucket, "--key", "cli.txt", "--sse-customer-algorithm", "AES256", "--sse-customer-key", key, out);
    expect(right.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("SSEC-MARKER-cli: only for the key holder");
    const ranged = await aws("s3api", "get-object", "--bucket", bucket, "--key", "cli.txt", "--range", "bytes=5-10",
      "--sse-customer-algorithm", "AES256", "--sse-customer-key", key, out);
    expect(ranged.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("MARKER");
    expect(onDisk("SSEC-MARKER-cli")).toBe(false);
  });

  test.skipIf(!hasAwsCli)("the AWS CLI v2: a 20 MiB multipart upload with --sse-c, read back, and copied to another key with --sse-c-copy-source", async () => {
    const aws = awsCli(() => server.endpoint, () => work);
    const big = join(work, "big.bin");
    const body = marked(20 * MiB, "SSEC-MARKER-cli-multipart");
    writeFileSync(big, body);
    // The CLI takes a key as its 32 raw bytes; printable ones are used here.
    const [key1, key2] = [randomBytes(32).toString("base64").slice(0, 32), randomBytes(32).toString("base64").slice(0, 32)];
    const up = await aws("s3", "cp", big, `s3://${bucket}/cli-big.bin`, "--sse-c", "AES256", "--sse-c-key", key1);
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    expect(onDisk("SSEC-MARKER-cli-multipart")).toBe(false);
    const down = join(work, "big.out");
    expect((await aws("s3", "cp", `s3://${bucket}/cli-big.bin`, down, "--sse-c", "AES256", "--sse-c-key", key1)).code).toBe(0);
    expect(readFileSync(down).equals(body)).toBe(true);
    const copied = await aws("s3", "cp", `s3://${bucket}/cli-big.bin`, `s3://${bucket}/cli-big-2.bin`,
      "--sse-c-copy-source", "AES256", "--sse-c-copy-source-key", key1, "--sse-c", "AES256", "--sse-c-key", key2);
    expect(copied.code).toBe(0);
    expect((await aws("s3", "cp", `s3://${bucket}/cli-big-2.bin`, down, "--sse-c", "AES256", "--sse-c-key", key1)).code).not.toBe(0);
    expect((await aws("s3", "cp", `s3://${bucket}/cli-big-2.bin`, down, "--sse-c", "AES256", "--sse-c-key", key2)).code).toBe(0);
    expect(readFileSync(down).equals(body)).toBe(true);
  });
});

describe("SSE-S3", () => {
  test("x-amz-server-side-encryption: AES256 → stored encrypted, served decrypted, confirmed in the headers", async () => {
    const body = marked(100_000, "SSES3-MARKER-put");
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "s3.bin", Body: body, ServerSideEncryption: "AES256" }));
    expect(put.ServerSideEncryption).toBe("AES256");
    expect(put.ETag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "s3.bin", Range: "bytes=5-99994" }));
    expect(got.ServerSideEncryption).toBe("AES256");
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body.subarray(5, 99_995))).toBe(true);
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "s3.bin" }))).ServerSideEncryption).toBe("AES256");
    expect(onDisk("SSES3-MARKER-put")).toBe(false);
  });

  test("bucket default encryption: Put/Get/DeleteBucketEncryption; a plain PUT and a multipart upload are stored encrypted; DSSE-KMS is refused", async () => {
    const name = bucketName("sse-default");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    expect(await s3ErrorCode(s3.send(new GetBucketEncryptionCommand({ Bucket: name })))).toBe("ServerSideEncryptionConfigurationNotFoundError");
    const dsse = s3.send(new PutBucketEncryptionCommand({
      Bucket: name, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms:dsse" } }] },
    }));
    expect(await s3Status(dsse)).toBe(501);
    const keyWithAes = s3.send(new PutBucketEncryptionCommand({
      Bucket: name, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256", KMSMasterKeyID: "alias/aws/s3" } }] },
    }));
    expect(await s3ErrorCode(keyWithAes)).toBe("InvalidArgument");
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: name, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
    }));
    const config = await s3.send(new GetBucketEncryptionCommand({ Bucket: name }));
    expect(config.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");

    const body = marked(50_000, "SSES3-MARKER-default");
    expect((await s3.send(new PutObjectCommand({ Bucket: name, Key: "plain-put", Body: body }))).ServerSideEncryption).toBe("AES256");
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: name, Key: "plain-put" })))).equals(body)).toBe(true);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "mp" }));
    const p = await s3.send(new UploadPartCommand({ Bucket: name, Key: "mp", UploadId, PartNumber: 1, Body: body }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: name, Key: "mp", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: name, Key: "mp" })))).equals(body)).toBe(true);
    expect(onDisk("SSES3-MARKER-default")).toBe(false);

    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: name }));
    expect(await s3ErrorCode(s3.send(new GetBucketEncryptionCommand({ Bucket: name })))).toBe("ServerSideEncryptionConfigurationNotFoundError");
    expect((await s3.send(new PutObjectCommand({ Bucket: name, Key: "after", Body: "x" }))).ServerSideEncryption).toBeUndefined();
    // Objects written while it was on stay readable.
    expect((await bytes(s3.send(new GetObjectCommand({ Bucket: name, Key: "plain-put" })))).equals(body)).toBe(true);
  });

  test.skipIf(!!EXTERNAL_ENDPOINT)("the master key is generated into the data directory with mode 0600 and survives a restart", async () => {
    const path = join(server.dataDir, "master.key");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, "utf8").trim(), "base64").length).toBe(32);
    expect(server.logs()).toContain("generated the SSE-S3 master key");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "restart.bin", Body: "before the restart", ServerSideEncryption: "AES256" }));
    await server.kill9();
    await server.restart();
    expect((await bytes(awsClient(server.endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: "restart.bin" })))).toString()).toBe("before the restart");
  });
});

// A peer that is not this machine needs a non-loopback address: the server and curl run together in
// a new network namespace (unshare -n), reachable from nowhere, where the loopback interface also
// carries the address 10.99.0.1: a connection to it comes from 10.99.0.1, not from 127.0.0.1.
const isolated = !EXTERNAL_ENDPOINT && requires("SSE-C over HTTP's network namespace (root, unshare -n, curl)",
  unless(process.getuid?.() === 0 && spawnSync("unshare", ["-n", "true"]).status === 0 && existsSync("/usr/bin/curl"), "needs root, unshare -n and /usr/bin/curl"));
if (!isolated) console.warn("e2e/sse.test.ts: needs root, unshare -n and curl; the SSE-C-over-plain-HTTP test is skipped");
test.skipIf(!isolated)("SSE-C over plain HTTP: refused from another address (as S3 does), accepted from loopback", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bleepstore-ssec-http-"));
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const server = command(port, dataDir, []).map((a) => (a === "127.0.0.1" ? "0.0.0.0" : a)).map((a) => `'${a}'`).join(" ");
  const key = randomBytes(32);
  const ssecHeaders = Object.entries({
    "x-amz-server-side-encryption-customer-algorithm": "AES256",
    "x-amz-server-side-encryption-customer-key": key.toString("base64"),
    "x-amz-server-side-encryption-customer-key-md5": createHash("md5").update(key).digest("base64"),
  }).map(([k, v]) => `-H '${k}: ${v}'`).join(" ");
  const curl = (host: string, path: string, method: string, extra = "") =>
    `curl -s -o /dev/null -w '${method} ${host} %{http_code}\\n' -X ${method} --aws-sigv4 aws:amz:us-east-1:s3 --user bleepstore:bleepstore-secret ${extra} http://${host}:${port}${path}`;
  const script = `
    ip link set lo up
    ip addr add 10.99.0.1/32 dev lo
    ${server} >server.log 2>&1 & pid=$!
    for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:${port}/healthz && break; sleep 0.1; done
    ${curl("127.0.0.1", "/ssec-http", "PUT")}
    ${curl("10.99.0.1", "/ssec-http/remote", "PUT", `${ssecHeaders} --data-binary secret`)}
    ${curl("127.0.0.1", "/ssec-http/local", "PUT", `${ssecHeaders} --data-binary secret`)}
    ${curl("10.99.0.1", "/ssec-http/local", "GET", ssecHeaders)}
    ${curl("10.99.0.1", "/ssec-http/remote", "HEAD")}
    kill $pid; wait $pid || true`;
  try {
    const r = spawnSync("unshare", ["-n", "sh", "-c", script], { cwd: dataDir, env: serverEnv() as NodeJS.ProcessEnv, encoding: "utf8" });
    expect(r.stdout.trim().split("\n")).toEqual([
      "PUT 127.0.0.1 200", "PUT 10.99.0.1 400", "PUT 127.0.0.1 200", "GET 10.99.0.1 400", "HEAD 10.99.0.1 404",
    ]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// SSE-KMS end to end, with the key manager inside the server: keys made and changed by `bleepstore kms`
// (its admin API), objects written with the JS SDK and the AWS CLI under the default key and named keys,
// with an encryption context, a bucket key, as a bucket default; reads whole and by ranges across the
// keystream's 1 MiB segments and across parts; CopyObject between every pair of plain, SSE-S3, SSE-C and
// SSE-KMS; rotation, disable and enable; KMS's errors. No plaintext ever reaches the data directory.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetBucketEncryptionCommand, GetObjectCommand,
  HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, UploadPartCommand, UploadPartCopyCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHUNK, sealedSize } from "../src/core/sse-chunks.ts";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires, unless } from "./helpers/requires.ts";
import { EXTERNAL_ENDPOINT, runCli } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";
import { copySsec, marked, markerUnder, ssec } from "./helpers/sse.ts";

requires("the AWS CLI v2 (/usr/bin/aws)", unless(hasAwsCli, "apt-get install awscli"));

setDefaultTimeout(120_000);
const MiB = 1024 * 1024;
const TOKEN = "kms-admin-token";
const fixture = serverWithBucket("kms", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
const { bucket } = fixture;
let s3: S3Client;
const work = mkdtempSync(join(tmpdir(), "bleepstore-kms-"));
beforeAll(() => ({ s3 } = fixture));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const kms = async (...args: string[]) => {
  const r = await runCli(["kms", ...args, "--endpoint", fixture.server.endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
  if (r.code !== 0) throw new Error(`bleepstore kms ${args.join(" ")}: exit ${r.code}\n${r.err}${r.out}`);
  return r.out;
};
const kmsJson = async (...args: string[]) => JSON.parse(await kms(...args, "--json"));
const readAll = async (p: Promise<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>) => Buffer.from(await (await p).Body!.transformToByteArray());
/**
 * Whether any file of the data directory (objects and metadata) holds `marker` — but the response
 * spool, where Bun.serve's engine puts a large decrypted body for the moment it is sent (README:
 * "Every GET and HEAD carries a Content-Length"; server.http_engine: node spools nothing).
 */
const onDisk = (marker: string) => !EXTERNAL_ENDPOINT && markerUnder(fixture.server.dataDir, marker, [join(fixture.server.dataDir, "spool")]);

describe("SSE-KMS", () => {
  test("aws:kms with the default key: byte-exact whole, by ranges across 1 MiB segments, HEAD; the key is aws/s3's, made on first use", async () => {
    const body = marked(3 * MiB + 123, "KMS-MARKER-default");
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "default.bin", Body: body, ServerSideEncryption: "aws:kms" }));
    expect(put.ServerSideEncryption).toBe("aws:kms");
    expect(put.SSEKMSKeyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    // SSE-KMS ETags are not the MD5 of the plaintext in S3 either; ours is — both are allowed: only check it is an ETag.
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await kmsJson("describe", "alias/aws/s3")).arn).toBe(put.SSEKMSKeyId);
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "default.bin" })))).equals(body)).toBe(true);
    for (const [start, end] of [[0, 0], [MiB - 5, MiB + 5], [MiB, 2 * MiB - 1], [2 * MiB - 1, 3 * MiB + 122], [3 * MiB + 100, 3 * MiB + 122]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "default.bin", Range: `bytes=${start}-${end}` }));
      expect(got.ContentLength).toBe(end - start + 1);
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body.subarray(start, end + 1))).toBe(true);
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "default.bin" }));
    expect(head).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: put.SSEKMSKeyId, ContentLength: body.length });
    expect(onDisk("KMS-MARKER-default")).toBe(false);
  });

  test("bleepstore kms create/rotate/disable/enable: a named key by alias and ARN, a context bound to the object; rotation keeps old objects readable; disabled refuses reads and writes", async () => {
    const key = await kmsJson("create", "--description", "app data", "--alias", "alias/app");
    expect(key).toMatchObject({ state: "Enabled", versions: 1, aliases: ["alias/app"], description: "app data", managed: false });
    expect(await kms("list")).toContain(key.keyId);
    const context = Buffer.from(JSON.stringify({ project: "blue" })).toString("base64");
    const body = marked(200_000, "KMS-MARKER-named");
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "named.bin", Body: body, ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/app", SSEKMSEncryptionContext: context }));
    expect(put.SSEKMSKeyId).toBe(key.arn);
    expect(JSON.parse(Buffer.from(put.SSEKMSEncryptionContext!, "base64").toString())).toEqual({ "aws:s3:arn": `arn:aws:s3:::${bucket}/named.bin`, project: "blue" });
    const byArn = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "by-arn.bin", Body: "by arn", ServerSideEncryption: "aws:kms", SSEKMSKeyId: key.arn }));
    expect(byArn.SSEKMSKeyId).toBe(key.arn);

    expect(await kmsJson("rotate", "alias/app")).toMatchObject({ versions: 2 });
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "named.bin" })))).equals(body)).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "after-rotation.bin", Body: "v2", ServerSideEncryption: "aws:kms", SSEKMSKeyId: key.keyId }));

    expect(await kmsJson("disable", key.keyId)).toMatchObject({ state: "Disabled" });
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "named.bin" })))).toBe("KMS.DisabledException");
    const raw = await signedFetch(`${fixture.server.endpoint}/${bucket}/named.bin`);
    expect(raw.status).toBe(400);
    expect(await raw.text()).toContain("<Code>KMS.DisabledException</Code>");
    expect(await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "refused.bin", Body: "x", ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/app" })))).toBe("KMS.DisabledException");
    expect(await s3ErrorCode(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "refused.bin" })))).toBe("NotFound");
    expect(await kmsJson("enable", "alias/app")).toMatchObject({ state: "Enabled" });
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "named.bin" })))).equals(body)).toBe(true);
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "after-rotation.bin" })))).toString()).toBe("v2");

    // Deletion is scheduled 7..30 days out; meanwhile the key is unusable, and restoring brings it back disabled.
    expect(await kmsJson("schedule-deletion", key.keyId, "--days", "7")).toMatchObject({ state: "PendingDeletion" });
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "named.bin" })))).toBe("KMS.KMSInvalidStateException");
    expect(await kmsJson("cancel-deletion", key.keyId)).toMatchObject({ state: "Disabled" });
    await kms("enable", key.keyId);
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "named.bin" })))).equals(body)).toBe(true);
    expect(onDisk("KMS-MARKER-named")).toBe(false);
  });

  // The object's file is changed by hand: on the local backend.
  const localFiles = !EXTERNAL_ENDPOINT && (process.env.BLEEPSTORE_STORAGE_BACKEND ?? "local") === "local";
  test.skipIf(!localFiles)("stored bytes changed at rest are refused, not served: the chunk's tag fails (500), the other chunks still read", async () => {
    const body = randomBytes(MiB + 12_345);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "tampered.bin", Body: body, ServerSideEncryption: "aws:kms" }));
    const find = (dir: string): string | undefined => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const found = statSync(path).isDirectory() ? find(path) : statSync(path).size === sealedSize(body.length) ? path : undefined;
        if (found) return found;
      }
      return undefined;
    };
    const file = find(join(fixture.server.dataDir, "objects"))!;
    const bytes = readFileSync(file);
    bytes[5 * CHUNK + 100]! ^= 0x01;
    writeFileSync(file, bytes);
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "tampered.bin" })))).toBe("InternalError");
    const range = `bytes=${CHUNK}-${2 * CHUNK - 1}`;
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "tampered.bin", Range: range })))).equals(body.subarray(CHUNK, 2 * CHUNK))).toBe(true);
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "tampered.bin", Range: `bytes=${5 * CHUNK}-${5 * CHUNK + 10}` })))).toBe("InternalError");
  });

  test("errors: an unknown key, a malformed context, KMS headers without aws:kms or beside SSE-C; nothing is stored", async () => {
    const put = (key: string, extra: Record<string, unknown>) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x", ...extra }));
    expect(await s3ErrorCode(put("e1", { ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/nobody" }))).toBe("KMS.NotFoundException");
    expect(await s3ErrorCode(put("e2", { ServerSideEncryption: "aws:kms", SSEKMSKeyId: "11111111-2222-4333-8444-555555555555" }))).toBe("KMS.NotFoundException");
    expect(await s3ErrorCode(put("e3", { ServerSideEncryption: "aws:kms", SSEKMSEncryptionContext: "not base64 json" }))).toBe("InvalidArgument");
    const awsKey = Buffer.from(JSON.stringify({ "aws:s3:arn": "arn:aws:s3:::elsewhere" })).toString("base64");
    expect(await s3ErrorCode(put("e4", { ServerSideEncryption: "aws:kms", SSEKMSEncryptionContext: awsKey }))).toBe("InvalidArgument");
    expect(await s3ErrorCode(put("e5", { SSEKMSKeyId: "alias/aws/s3" }))).toBe("InvalidArgument");
    expect(await s3ErrorCode(put("e6", { SSEKMSKeyId: "alias/aws/s3", ...ssec(randomBytes(32)) }))).toBe("InvalidArgument");
    for (const key of ["e1", "e2", "e3", "e4", "e5", "e6"]) expect(await s3ErrorCode(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toBe("NotFound");
    // The key manager's admin API is the admin API: no token, no keys.
    expect((await fetch(`${fixture.server.endpoint}/_bleepstore/admin/kms/keys`)).status).toBe(401);
  });

  test("CopyObject between every pair of plain, SSE-S3, SSE-C and SSE-KMS: byte-exact, the target's encryption in the headers", async () => {
    const customer = randomBytes(32);
    const body = randomBytes(1_500_000);
    const kinds = {
      plain: { put: {}, read: {}, copySource: {}, header: undefined },
      s3: { put: { ServerSideEncryption: "AES256" }, read: {}, copySource: {}, header: "AES256" },
      ssec: { put: ssec(customer), read: ssec(customer), copySource: copySsec(customer), header: undefined },
      kms: { put: { ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/aws/s3" }, read: {}, copySource: {}, header: "aws:kms" },
    } as const;
    for (const [name, k] of Object.entries(kinds)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `src-${name}`, Body: body, ...k.put }));
    for (const [from, source] of Object.entries(kinds)) {
      for (const [to, target] of Object.entries(kinds)) {
        const key = `copy-${from}-to-${to}`;
        const copied = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/src-${from}`, ...source.copySource, ...target.put }));
        expect([key, copied.ServerSideEncryption]).toEqual([key, target.header]);
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...target.read }));
        expect([key, got.ServerSideEncryption, got.ContentLength]).toEqual([key, target.header, body.length]);
        expect([key, Buffer.from(await got.Body!.transformToByteArray()).equals(body)]).toEqual([key, true]);
      }
    }
    // A KMS source needs no key from the client; an SSE-C source still does.
    expect(await s3ErrorCode(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "x", CopySource: `${bucket}/src-ssec`, ServerSideEncryption: "aws:kms" })))).toBe("InvalidRequest");
  });

  test("multipart with SSE-KMS (a bucket key): parts answer the key, UploadPartCopy from SSE-C and SSE-KMS sources, reads across part boundaries", async () => {
    const customer = randomBytes(32);
    const parts = [marked(5 * MiB, "KMS-MARKER-mp1"), marked(5 * MiB + 7, "KMS-MARKER-mp2"), marked(1000, "KMS-MARKER-mp3")];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp-src-c", Body: parts[1], ...ssec(customer) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "mp-src-k", Body: parts[2], ServerSideEncryption: "aws:kms" }));
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp.bin", ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/aws/s3", BucketKeyEnabled: true }));
    expect(created).toMatchObject({ ServerSideEncryption: "aws:kms", BucketKeyEnabled: true });
    const UploadId = created.UploadId!;
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp.bin", UploadId, PartNumber: 1, Body: parts[0] }));
    expect(p1).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: created.SSEKMSKeyId, BucketKeyEnabled: true });
    const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "mp.bin", UploadId, PartNumber: 2, CopySource: `${bucket}/mp-src-c`, ...copySsec(customer) }));
    const p3 = await s3.send(new UploadPartCopyCommand({ Bucket: bucket, Key: "mp.bin", UploadId, PartNumber: 3, CopySource: `${bucket}/mp-src-k` }));
    const done = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket, Key: "mp.bin", UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }, { PartNumber: 3, ETag: p3.CopyPartResult!.ETag }] },
    }));
    expect(done).toMatchObject({ ServerSideEncryption: "aws:kms", BucketKeyEnabled: true });
    const whole = Buffer.concat(parts);
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "mp.bin" })))).equals(whole)).toBe(true);
    for (const [start, end] of [[5 * MiB - 10, 5 * MiB + 10], [10 * MiB, 10 * MiB + 500], [MiB + 1, 9 * MiB]] as const) {
      expect((await readAll(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "mp.bin", Range: `bytes=${start}-${end}` })))).equals(whole.subarray(start, end + 1))).toBe(true);
    }
    expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "mp.bin", PartNumber: 2 }))).ContentLength).toBe(parts[1]!.length);
    for (const n of [1, 2, 3]) expect(onDisk(`KMS-MARKER-mp${n}`)).toBe(false);
  });

  test("bucket default aws:kms with a named key and BucketKeyEnabled: plain PUTs are SSE-KMS under it; an unknown key is refused when set", async () => {
    const name = bucketName("kms-default");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const key = await kmsJson("create", "--alias", "alias/bucket-default");
    expect(await s3ErrorCode(s3.send(new PutBucketEncryptionCommand({
      Bucket: name, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/missing" } }] },
    })))).toBe("KMS.NotFoundException");
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: name,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/bucket-default" }, BucketKeyEnabled: true }] },
    }));
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: name }))).ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule).toMatchObject({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "alias/bucket-default" }, BucketKeyEnabled: true });
    const body = marked(70_000, "KMS-MARKER-bucket-default");
    const put = await s3.send(new PutObjectCommand({ Bucket: name, Key: "plain", Body: body }));
    expect(put).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: key.arn, BucketKeyEnabled: true });
    expect((await readAll(s3.send(new GetObjectCommand({ Bucket: name, Key: "plain" })))).equals(body)).toBe(true);
    // A request's own choice wins over the default.
    expect((await s3.send(new PutObjectCommand({ Bucket: name, Key: "aes", Body: "x", ServerSideEncryption: "AES256" }))).ServerSideEncryption).toBe("AES256");
    expect(onDisk("KMS-MARKER-bucket-default")).toBe(false);
  });

  test("the AWS CLI: s3api put-object --ssekms-key-id, s3 cp --sse aws:kms, head-object", async () => {
    const file = join(work, "cli.bin");
    const body = marked(300_000, "KMS-MARKER-cli");
    writeFileSync(file, body);
    const cli = awsCli(() => fixture.server.endpoint, () => work);
    const put = await cli("s3api", "put-object", "--bucket", bucket, "--key", "cli-put", "--body", file, "--server-side-encryption", "aws:kms", "--ssekms-key-id", "alias/aws/s3");
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ ServerSideEncryption: "aws:kms" });
    const cp = await cli("s3", "cp", file, `s3://${bucket}/cli-cp`, "--sse", "aws:kms");
    expect(cp.code).toBe(0);
    const head = await cli("s3api", "head-object", "--bucket", bucket, "--key", "cli-cp");
    expect(JSON.parse(head.stdout)).toMatchObject({ ServerSideEncryption: "aws:kms", ContentLength: body.length });
    const out = join(work, "cli.out");
    expect((await cli("s3", "cp", `s3://${bucket}/cli-put`, out)).code).toBe(0);
    expect(readFileSync(out).equals(body)).toBe(true);
    expect(onDisk("KMS-MARKER-cli")).toBe(false);
  });
});

// Crash-only durability under load: 20 clients run single PUTs and multipart uploads while the server
// is killed with SIGKILL at random moments. After each restart: every acknowledged object is intact,
// nothing else is visible, no temp file remains, and (after reconciliation) every stored file belongs
// to an object or to a part of an unfinished upload.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand,
  ListPartsCommand, PutObjectCommand, UploadPartCommand, paginateListObjectsV2, type S3Client,
} from "@aws-sdk/client-s3";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { tempFiles } from "./helpers/temp-files.ts";

setDefaultTimeout(180_000);

const MiB = 1024 * 1024;
const WORKERS = 20;
const ROUNDS = 3;
let server: TestServer;
let s3: S3Client;
const bucket = bucketName("crashload");

beforeAll(async () => {
  if (EXTERNAL_ENDPOINT) return;
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** Deterministic content for a key, so only its MD5 needs remembering. */
function body(key: string, size: number): Uint8Array {
  const seed = new Bun.CryptoHasher("sha256").update(key).digest();
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += seed.length) out.set(seed.subarray(0, Math.min(seed.length, size - i)), i);
  return out;
}
const md5 = (b: Uint8Array) => new Bun.CryptoHasher("md5").update(b).digest("hex");

interface Attempt { md5: string; acknowledged: boolean }

async function single(key: string, attempts: Map<string, Attempt>): Promise<void> {
  const data = body(key, 1024 + Math.floor(Math.random() * 3 * MiB));
  const attempt = { md5: md5(data), acknowledged: false };
  attempts.set(key, attempt);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: data }));
  attempt.acknowledged = true;
}

async function multipart(key: string, attempts: Map<string, Attempt>): Promise<void> {
  const parts = [body(`${key}#1`, 5 * MiB), body(`${key}#2`, 5 * MiB), body(`${key}#3`, 1000 + Math.floor(Math.random() * MiB))];
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (whole.set(p, offset), offset + p.length), 0);
  const attempt = { md5: md5(whole), acknowledged: false };
  attempts.set(key, attempt);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const done = await Promise.all(parts.map(async (p, i) => {
    const res = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: p }));
    return { PartNumber: i + 1, ETag: res.ETag! };
  }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }));
  attempt.acknowledged = true;
}

async function listKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) keys.push(...(page.Contents ?? []).map((c) => c.Key!));
  return keys;
}

async function storedPartCount(): Promise<number> {
  const uploads = (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  let n = 0;
  for (const u of uploads) n += ((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }))).Parts ?? []).length;
  return n;
}

test.skipIf(!!EXTERNAL_ENDPOINT)("kill -9 at random moments under 20 concurrent writers loses nothing acknowledged and shows nothing else", async () => {
  const attempts = new Map<string, Attempt>();
  for (let round = 0; round < ROUNDS; round++) {
    let stop = false;
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const key = `r${round}/w${w}/${i}`;
        await (w % 3 === 0 ? multipart(key, attempts) : single(key, attempts)).catch(() => { stop = true; });
      }
    });
    // The kill comes at a random moment once a random number (1-12) of this round's writes were
    // acknowledged: a fixed delay found none acknowledged on a loaded machine, and then tested nothing.
    const target = 1 + Math.floor(Math.random() * 12);
    const acked = () => [...attempts].filter(([k, a]) => a.acknowledged && k.startsWith(`r${round}/`)).length;
    const ackDeadline = Date.now() + 120_000;
    while (acked() < target) {
      if (Date.now() > ackDeadline) throw new Error(`round ${round}: ${acked()} of ${target} writes acknowledged within 120 s`);
      await Bun.sleep(10);
    }
    await Bun.sleep(Math.floor(Math.random() * 300));
    await server.kill9();
    stop = true;
    await Promise.all(workers);
    await server.restart();

    const visible = await listKeys();
    const acknowledged = [...attempts].filter(([, a]) => a.acknowledged).map(([k]) => k);
    expect(acknowledged.length).toBeGreaterThan(0);
    // Everything acknowledged is there, and everything there was at least attempted.
    expect(visible.filter((k) => !attempts.has(k))).toEqual([]);
    expect(acknowledged.filter((k) => !visible.includes(k))).toEqual([]);
    // Whatever is visible is whole: acknowledged or not, its bytes are exactly what was sent.
    for (const key of visible) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(`${key}:${md5(await got.Body!.transformToByteArray())}`).toBe(`${key}:${attempts.get(key)!.md5}`);
    }
    expect(tempFiles(join(server.dataDir, "objects"))).toEqual([]);

    // After reconciliation every stored file is an object's or a pending upload's part.
    const deadline = Date.now() + 30_000;
    while (server.logs().split("storage reconciled").length - 1 < round + 1) {
      if (Date.now() > deadline) throw new Error("no reconciliation logged");
      await Bun.sleep(20);
    }
    const files = readdirSync(join(server.dataDir, "objects")).filter((d) => d !== ".tmp")
      .reduce((n, d) => n + readdirSync(join(server.dataDir, "objects", d)).length, 0);
    const parts = await storedPartCount();
    if (process.env.CRASH_STATS) console.log(JSON.stringify({ round, attempts: attempts.size, acknowledged: acknowledged.length, visible: visible.length, pendingParts: parts, files, reconciled: server.logs().split("\n").filter((l) => l.includes("storage reconciled")).at(-1) }));
    expect(files).toBe(visible.length + parts);
  }
});

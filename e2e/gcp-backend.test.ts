// storage.backend: gcp against the Cloud Storage emulator of npm firebase-tools on loopback: the
// storage contract (with upload sessions and copy), and a BleepStore whose objects live in it. The
// emulator has no compose, no bucket creation and ignores generation preconditions; the backend
// uses none of them to stay correct (see src/storage/gcp.ts), and those paths are untested here.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  PutObjectCommand, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { GcpStorage } from "../src/storage/gcp.ts";
import { storageContract } from "../test/contract/storage.contract.ts";
import { awsClient } from "./helpers/clients.ts";
import { countingProxy } from "./helpers/counting-proxy.ts";
import { startGcsEmulator, type GcsEmulator } from "./helpers/gcs-emulator.ts";
import { runNestedSuite, STORAGE_E2E } from "./helpers/nested.ts";
import { EXTERNAL_ENDPOINT, startServer } from "./helpers/server.ts";

const MiB = 1024 * 1024;

setDefaultTimeout(120_000);
let emulator: GcsEmulator;
beforeAll(async () => {
  emulator = await startGcsEmulator();
  // The SDK's own way to an emulator; read when a client is made.
  process.env.STORAGE_EMULATOR_HOST = emulator.endpoint;
});
afterAll(async () => {
  delete process.env.STORAGE_EMULATOR_HOST;
  await emulator?.[Symbol.asyncDispose]();
});

const open = (prefix: string) => new GcpStorage({ bucket: "bleepstore-test", project: "demo-bleepstore", prefix, credentials_file: "" });

let n = 0;
storageContract("gcp (firebase-tools emulator)", { compose: false, sessions: true, copy: true }, async () => open(`contract${n++}/`));

async function listed(storage: GcpStorage): Promise<string[]> {
  const ids = [];
  for await (const s of storage.listStored()) ids.push(s.id);
  return ids;
}

const bytesOf = async (data: Awaited<ReturnType<GcpStorage["read"]>>) =>
  Buffer.from(await new Response(data instanceof Blob ? data : data!.stream).arrayBuffer());

describe("gcp storage", () => {
  test("a 20 MiB write of unknown size (a resumable upload) reads back whole and by range; a failing source leaves no object", async () => {
    const storage = open("big/");
    await storage.init();
    const data = crypto.getRandomValues(new Uint8Array(20 * MiB + 5));
    const { id, size } = await storage.write((async function* () {
      for (let i = 0; i < data.length; i += 1_000_000) yield data.subarray(i, i + 1_000_000);
    })());
    expect(size).toBe(data.length);
    expect((await bytesOf(await storage.read(id))).equals(data)).toBe(true);
    const range = await storage.read(id, { start: 8 * MiB - 3, end: 8 * MiB + 2 });
    expect((await bytesOf(range)).equals(data.subarray(8 * MiB - 3, 8 * MiB + 3))).toBe(true);
    await expect(storage.write((async function* () {
      yield new Uint8Array(9 * MiB);
      throw new Error("client went away");
    })())).rejects.toThrow("client went away");
    await expect(storage.write((async function* () {
      yield new Uint8Array(3);
      throw new Error("digest mismatch");
    })(), 3)).rejects.toThrow("digest mismatch");
    expect(await listed(storage)).toEqual([id]);
  });

  test("a completed upload is its parts and a manifest: ranges across parts, delete removes every object, and it is not copied server-side", async () => {
    const storage = open("manifest/");
    const sessions = storage.sessions;
    const { session, storageId } = await sessions.create();
    const parts = [crypto.getRandomValues(new Uint8Array(5 * MiB)), crypto.getRandomValues(new Uint8Array(5 * MiB)), crypto.getRandomValues(new Uint8Array(100))];
    const tokens = [];
    for (const [i, p] of parts.entries()) tokens.push({ partNumber: i + 1, token: (await sessions.writePart(session, storageId, i + 1, (async function* () { yield p; })(), p.length)).token });
    await sessions.complete(session, storageId, tokens);
    const whole = Buffer.concat(parts);
    expect((await bytesOf(await storage.read(storageId))).equals(whole)).toBe(true);
    const r = { start: 5 * MiB - 10, end: 10 * MiB + 9 };
    expect((await bytesOf(await storage.read(storageId, r))).equals(whole.subarray(r.start, r.end + 1))).toBe(true);
    // Its copy is a new single-part object with an MD5 of its own: the engine streams it.
    expect(await storage.copy(storageId, whole.length)).toBeNull();
    const other = await storage.write((async function* () { yield new Uint8Array(3); })());
    await storage.delete(storageId);
    expect(await storage.read(storageId)).toBeNull();
    expect(await listed(storage)).toEqual([other.id]);
    await storage.delete(other.id);
    expect(await listed(storage)).toEqual([]);
  });
});

describe.skipIf(!!EXTERNAL_ENDPOINT)("a BleepStore with storage.backend=gcp", () => {
  const env = (prefix: string, endpoint = emulator.endpoint) => ({
    BLEEPSTORE_STORAGE_BACKEND: "gcp", BLEEPSTORE_STORAGE_GCP_BUCKET: "bleepstore-e2e", BLEEPSTORE_STORAGE_GCP_PROJECT: "demo-bleepstore",
    BLEEPSTORE_STORAGE_GCP_PREFIX: prefix, STORAGE_EMULATOR_HOST: endpoint,
  });

  test.skipIf(!!process.env.BLEEPSTORE_BINARY)("the core e2e files pass against it", async () => {
    const { code, summary } = await runNestedSuite(STORAGE_E2E, env("core/"), "storage gcp");
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  }, 600_000);

  test("a 64 MiB multipart upload sends each byte once and Complete none; a CopyObject of a single-PUT object is a copy inside Cloud Storage", async () => {
    const proxy = await countingProxy(emulator.port);
    try {
      await using server = await startServer({ env: env("once/", `http://127.0.0.1:${proxy.port}`) });
      const s3 = awsClient(server.endpoint);
      await s3.send(new CreateBucketCommand({ Bucket: "once" }));
      const part = crypto.getRandomValues(new Uint8Array(8 * MiB));
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "once", Key: "big" }));
      const before = proxy.sent();
      const parts = [];
      for (let i = 1; i <= 8; i++) parts.push({ PartNumber: i, ETag: (await s3.send(new UploadPartCommand({ Bucket: "once", Key: "big", UploadId, PartNumber: i, Body: part }))).ETag });
      const afterParts = proxy.sent();
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: "once", Key: "big", UploadId, MultipartUpload: { Parts: parts } }));
      const atComplete = proxy.sent() - afterParts;
      expect(afterParts - before).toBeGreaterThanOrEqual(64 * MiB);
      expect(afterParts - before).toBeLessThan(65 * MiB);
      expect(atComplete).toBeLessThan(64 * 1024);
      const got = await s3.send(new GetObjectCommand({ Bucket: "once", Key: "big", Range: "bytes=8388600-8388615" }));
      const bytes = await got.Body!.transformToByteArray();
      expect(Buffer.from(bytes).equals(Buffer.concat([part.subarray(8 * MiB - 8), part.subarray(0, 8)]))).toBe(true);
      expect((await s3.send(new HeadObjectCommand({ Bucket: "once", Key: "big" }))).ContentLength).toBe(64 * MiB);

      await s3.send(new PutObjectCommand({ Bucket: "once", Key: "single", Body: part }));
      const beforeCopy = proxy.sent();
      await s3.send(new CopyObjectCommand({ Bucket: "once", Key: "copy", CopySource: "once/single" }));
      expect(proxy.sent() - beforeCopy).toBeLessThan(64 * 1024);
      const copied = await s3.send(new GetObjectCommand({ Bucket: "once", Key: "copy" }));
      expect(Buffer.from(await copied.Body!.transformToByteArray()).equals(Buffer.from(part))).toBe(true);
    } finally {
      proxy.stop();
    }
  });
});

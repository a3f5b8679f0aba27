// Crash-only durability: kill -9 in the middle of a 100 MiB PUT, restart on the same data dir, and
// nothing of that upload is visible or left on disk, while what was acknowledged before is intact.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName, bunClient, s3Status } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { tempFiles } from "./helpers/temp-files.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("crash");
const MiB = 1024 * 1024;

beforeAll(async () => {
  if (EXTERNAL_ENDPOINT) return;
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const tmpFiles = () => tempFiles(join(server.dataDir, "objects"));
const tmpBytes = () => tmpFiles().reduce((n, f) => n + statSync(f).size, 0);
const objectFiles = () =>
  readdirSync(join(server.dataDir, "objects")).filter((d) => d !== ".tmp").flatMap((d) => readdirSync(join(server.dataDir, "objects", d)));

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** kill -9 in the middle of a 100 MiB PUT into `target`; then restart and check nothing of it is left. */
async function killMidPut(target: string, headers: Record<string, string> = {}): Promise<void> {
  const kept = crypto.getRandomValues(new Uint8Array(256 * 1024));
  await s3.send(new PutObjectCommand({ Bucket: target, Key: "acknowledged", Body: kept }));
  const filesBefore = objectFiles();

  const url = bunClient(server.endpoint, target).presign("victim", { method: "PUT", expiresIn: 300 });
  const chunk = new Uint8Array(MiB).fill(42);
  let sent = 0;
  let killed = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 40) {
        // The server has really written part of the upload: kill it mid-write.
        await until(() => tmpBytes() >= 20 * MiB, "the server to write 20 MiB");
        killed = true; // before the kill: the fetch fails the moment the process dies
        await server.kill9();
      }
      if (killed || sent === 100) return controller.close();
      sent++;
      controller.enqueue(chunk);
    },
  });
  const outcome = await fetch(url, { method: "PUT", body, headers: { "content-length": String(100 * MiB), ...headers } }).then(
    (r) => `status ${r.status}`,
    (e) => `connection failed ${String(e)}`,
  );
  expect(killed).toBe(true);
  expect(outcome).toStartWith("connection failed");

  await server.restart();
  expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: target, Key: "victim" })))).toBe(404);
  expect(tmpFiles()).toEqual([]);
  expect(objectFiles().sort()).toEqual(filesBefore.sort());
  const back = await s3.send(new GetObjectCommand({ Bucket: target, Key: "acknowledged" }));
  expect(Buffer.compare(Buffer.from(await back.Body!.transformToByteArray()), Buffer.from(kept))).toBe(0);
}

test.skipIf(!!EXTERNAL_ENDPOINT)("PutObject: kill -9 during a 100 MiB upload leaves no object and no temp file", async () => {
  await killMidPut(bucket);
});

test.skipIf(!!EXTERNAL_ENDPOINT)("PutObject into a bucket with default encryption (SSE-S3): the same after kill -9, and the acknowledged object decrypts", async () => {
  const encrypted = bucketName("crash-sse");
  await s3.send(new CreateBucketCommand({ Bucket: encrypted }));
  await s3.send(new PutBucketEncryptionCommand({
    Bucket: encrypted, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
  }));
  await killMidPut(encrypted);
  expect((await s3.send(new HeadObjectCommand({ Bucket: encrypted, Key: "acknowledged" }))).ServerSideEncryption).toBe("AES256");
});

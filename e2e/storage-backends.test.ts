// Storage backends beyond local disk, each behind a real server: the core e2e files run again with
// storage.backend sqlite and memory-with-snapshots; kill -9 mid-PUT and mid-Complete on sqlite storage
// leave nothing partial and, after start-up, no orphan row; a memory snapshot killed half-written
// leaves the previous snapshot to load.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName, bunClient, s3Status } from "./helpers/clients.ts";
import { runNestedSuite, STORAGE_E2E } from "./helpers/nested.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";

setDefaultTimeout(600_000);
const MiB = 1024 * 1024;
// Inside a nested run (or against another server or binary run) these are not repeated.
const skip = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_STORAGE_BACKEND;

const BACKENDS: Record<string, Record<string, string>> = {
  sqlite: { BLEEPSTORE_STORAGE_BACKEND: "sqlite" },
  "memory with snapshots": { BLEEPSTORE_STORAGE_BACKEND: "memory", BLEEPSTORE_STORAGE_MEMORY_PERSISTENCE: "snapshot", BLEEPSTORE_STORAGE_MEMORY_SNAPSHOT_INTERVAL_SECONDS: "1" },
};

describe.skipIf(skip)("the core e2e files on other storage backends", () => {
  for (const [name, env] of Object.entries(BACKENDS)) {
    test(name, async () => {
      const { code, summary } = await runNestedSuite(STORAGE_E2E, env, `storage ${name}`);
      expect(summary).toMatch(/^ 0 fail$/m);
      expect(summary).toMatch(/^ [1-9]\d* pass$/m);
      expect(code).toBe(0);
    });
  }
});

/** Counts of the sqlite storage tables, read once the server is stopped (it holds the file exclusively). */
function blobRows(dataDir: string): { blobs: number; unfinished: number; chunks: number } {
  const db = new Database(join(dataDir, "metadata.db"), { readonly: true });
  try {
    return db.query(`SELECT (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM blobs WHERE size < 0) AS unfinished,
      (SELECT count(*) FROM blob_chunks) AS chunks`).get() as { blobs: number; unfinished: number; chunks: number };
  } finally {
    db.close();
  }
}

async function exited(server: TestServer): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(server.pid(), 0);
    } catch {
      return;
    }
    await Bun.sleep(50);
  }
  throw new Error("the server did not die at its failpoint");
}

describe.skipIf(skip)("kill -9 with storage.backend: sqlite", () => {
  const env = { BLEEPSTORE_STORAGE_BACKEND: "sqlite" };

  test("mid-PUT: nothing visible after restart, no unfinished row; what was acknowledged stays", async () => {
    await using server = await startServer({ env });
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("sqlite-crash");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "kept", Body: "acknowledged" }));
    const url = bunClient(server.endpoint, bucket).presign("victim", { method: "PUT", expiresIn: 300 });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 30) {
          await Bun.sleep(300);
          await server.kill9();
          return controller.close();
        }
        sent++;
        controller.enqueue(new Uint8Array(MiB).fill(9));
      },
    });
    await fetch(url, { method: "PUT", body, headers: { "content-length": String(100 * MiB) } }).catch(() => undefined);
    const before = blobRows(server.dataDir);
    expect(before.unfinished).toBe(1);
    await server.restart(env);
    const again = awsClient(server.endpoint);
    expect(await s3Status(again.send(new HeadObjectCommand({ Bucket: bucket, Key: "victim" })))).toBe(404);
    expect(await (await again.send(new GetObjectCommand({ Bucket: bucket, Key: "kept" }))).Body!.transformToString()).toBe("acknowledged");
    await server.kill9();
    expect(blobRows(server.dataDir)).toEqual({ blobs: 1, unfinished: 0, chunks: 1 });
    await server.restart(env);
  });

  test("mid-Complete (killed right after its commit): the object is whole after restart and its parts' rows are freed", async () => {
    await using server = await startServer({ env: { ...env, BLEEPSTORE_FAILPOINT: "complete-committed" } });
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("sqlite-complete");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp" }));
    const parts = [new Uint8Array(5 * MiB).fill(1), new Uint8Array(1000).fill(2)];
    const done = [];
    for (const [i, Body] of parts.entries()) done.push({ PartNumber: i + 1, ETag: (await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: i + 1, Body }))).ETag });
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "mp", UploadId, MultipartUpload: { Parts: done } })).catch(() => undefined);
    await exited(server);
    await server.restart(env);
    const got = await awsClient(server.endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: "mp" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    await Bun.sleep(500);
    await server.kill9();
    // Only the completed object's rows remain: the parts' were freed by the clean-up at start-up.
    expect(blobRows(server.dataDir).blobs).toBe(1);
    await server.restart(env);
  });
});

describe.skipIf(skip)("memory storage with snapshots", () => {
  test("a snapshot killed half-written leaves the previous one, which loads at start-up", async () => {
    const env = { BLEEPSTORE_STORAGE_BACKEND: "memory", BLEEPSTORE_STORAGE_MEMORY_PERSISTENCE: "snapshot", BLEEPSTORE_STORAGE_MEMORY_SNAPSHOT_INTERVAL_SECONDS: "1" };
    await using server = await startServer({ env });
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("snapshot");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "in-the-snapshot", Body: "survives" }));
    const snapshot = join(server.dataDir, "memory.snapshot");
    for (let i = 0; i < 100 && !(existsSync(snapshot) && readFileSync(snapshot).includes("survives")); i++) await Bun.sleep(50);
    expect(readFileSync(snapshot).includes("survives")).toBe(true);
    await server.kill9();

    await server.restart({ ...env, BLEEPSTORE_FAILPOINT: "memory-snapshot-half-written" });
    const armed = awsClient(server.endpoint);
    for (const key of ["a", "b", "c"]) await armed.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `lost ${key}` }));
    await exited(server);
    expect(existsSync(`${snapshot}.tmp`)).toBe(true);

    await server.restart(env);
    const after = awsClient(server.endpoint);
    expect(await (await after.send(new GetObjectCommand({ Bucket: bucket, Key: "in-the-snapshot" }))).Body!.transformToString()).toBe("survives");
    expect(existsSync(`${snapshot}.tmp`)).toBe(false);
    // Written after the last whole snapshot: the metadata names bytes that went with the process.
    expect(await s3Status(after.send(new GetObjectCommand({ Bucket: bucket, Key: "a" })))).toBe(500);
  });
});

// Start-up recovery of the engine on real stores: the multipart TTL reaper and orphan reconciliation.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Engine, ownerIdFor } from "../../src/core/engine.ts";
import { silentLogger } from "../../src/log.ts";
import { SqliteMetadataStore } from "../../src/metadata/sqlite.ts";
import { LocalStorage } from "../../src/storage/local.ts";

let dir = "";
const owner = { id: ownerIdFor("k"), displayName: "k" };

function engine(uploadTtlMs?: number): Engine {
  return new Engine({
    metadata: new SqliteMetadataStore(join(dir, "m.db")),
    storage: new LocalStorage(join(dir, "objects")),
    region: "us-east-1",
    log: silentLogger,
    credentials: [{ accessKey: "k", secretKey: "s" }],
    ...(uploadTtlMs !== undefined ? { uploadTtlMs } : {}),
  });
}

async function* bytes(text: string) {
  yield new TextEncoder().encode(text);
}

const storedFiles = () =>
  readdirSync(join(dir, "objects")).filter((d) => d !== ".tmp").flatMap((d) => readdirSync(join(dir, "objects", d)).map((f) => join(dir, "objects", d, f)));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bleepstore-engine-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("reconcile removes unreferenced data older than the process, and nothing else", async () => {
  const e = engine();
  await e.start();
  await e.buckets.create(owner, { name: "bkt" });
  await e.objects.put(owner, { bucket: "bkt", key: "kept", body: bytes("kept") });
  const orphanOld = await e.storage.write(bytes("left by a crash"));
  // Local storage counts a file's status change (ctime, which no call can set back) as its time.
  await Bun.sleep(30);
  const startedAt = Date.now();
  await Bun.sleep(30);
  const orphanNew = await e.storage.write(bytes("a write still in flight"));

  expect(await e.reconcile(startedAt)).toBe(1);
  const left = storedFiles().map((f) => f.split("/").at(-1));
  expect(left).not.toContain(orphanOld.id);
  expect(left).toContain(orphanNew.id);
  const got = await e.objects.get(owner, { bucket: "bkt", key: "kept" });
  expect(await (got.data as Blob).text()).toBe("kept");
  await e.stop();
});

test("start-up reaps uploads older than the TTL with their parts, and keeps younger ones", async () => {
  const first = engine();
  await first.start();
  await first.buckets.create(owner, { name: "bkt" });
  const old = await first.multipart.create(owner, { bucket: "bkt", key: "old" });
  await first.multipart.uploadPart(owner, { bucket: "bkt", key: "old", uploadId: old.uploadId, partNumber: 1, body: bytes("part") });
  await first.stop();
  expect(storedFiles().length).toBe(1);
  await Bun.sleep(30);

  const second = engine(20);
  await second.start();
  expect(await second.metadata.getUpload(old.uploadId)).toBeNull();
  expect(storedFiles()).toEqual([]);
  const young = await second.multipart.create(owner, { bucket: "bkt", key: "young" });
  await second.stop();

  const third = engine(60_000);
  await third.start();
  expect((await third.metadata.getUpload(young.uploadId))?.key).toBe("young");
  await third.stop();
});

import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { storageContract } from "../contract/storage.contract.ts";

storageContract("memory", { compose: false, sessions: false }, async () => new MemoryStorage());

let snapshotDir = "";
storageContract("memory with snapshots", { compose: false, sessions: false }, async () => {
  snapshotDir = mkdtempSync(join(tmpdir(), "bleepstore-snapshot-contract-"));
  return new MemoryStorage({ snapshot: { path: join(snapshotDir, "memory.snapshot"), intervalSeconds: 1 } });
}, async () => rmSync(snapshotDir, { recursive: true, force: true }));

test("memory: a write past max_size_bytes is StorageFull, says the cap, and keeps nothing", async () => {
  const storage = new MemoryStorage(4);
  async function* body() {
    yield new Uint8Array(3);
    yield new Uint8Array(3);
  }
  await expect(storage.write(body())).rejects.toMatchObject({ code: "StorageFull", message: expect.stringContaining("max_size_bytes is 4") });
  const ok = await storage.write((async function* () { yield new Uint8Array(4); })());
  expect(ok.size).toBe(4);
});

test("memory snapshots: written whole, loaded at start-up; a torn temp file from a crash is ignored and removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-snapshot-"));
  const path = join(dir, "memory.snapshot");
  try {
    const first = new MemoryStorage({ snapshot: { path, intervalSeconds: 3600 } });
    await first.init();
    const a = await first.write((async function* () { yield new TextEncoder().encode("kept in the snapshot"); })());
    const b = await first.write((async function* () { yield new Uint8Array(100_000).fill(7); })());
    first.snapshot();
    await first.close();
    // A crash in the middle of the next snapshot leaves a torn temp file beside the good one.
    writeFileSync(`${path}.tmp`, "BLEEPSTORE-MEMORY-SNAPSHOT-1\n0123");
    const second = new MemoryStorage({ snapshot: { path, intervalSeconds: 3600 } });
    await second.init();
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect(await (await second.read(a.id) as Blob).text()).toBe("kept in the snapshot");
    expect((await second.read(b.id) as Blob).size).toBe(100_000);
    const listed = [];
    for await (const s of second.listStored()) listed.push(s.id);
    expect(listed.sort()).toEqual([a.id, b.id].sort());
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

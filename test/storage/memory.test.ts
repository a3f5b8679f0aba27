import { expect, test } from "bun:test";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { storageContract } from "../contract/storage.contract.ts";

storageContract("memory", { compose: false, sessions: false }, async () => new MemoryStorage());

test("memory: a write past max_size_bytes is StorageFull and keeps nothing", async () => {
  const storage = new MemoryStorage(4);
  async function* body() {
    yield new Uint8Array(3);
    yield new Uint8Array(3);
  }
  await expect(storage.write(body())).rejects.toMatchObject({ code: "StorageFull" });
  const ok = await storage.write((async function* () { yield new Uint8Array(4); })());
  expect(ok.size).toBe(4);
});

// The contract every StorageBackend implementation must pass; each backend's test file runs it.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { StorageBackend, StoredData } from "../../src/storage/backend.ts";

async function* chunks(...parts: string[]) {
  for (const p of parts) yield new TextEncoder().encode(p);
}

async function* failing(after: string) {
  yield new TextEncoder().encode(after);
  throw new Error("client went away");
}

export async function text(data: StoredData | null): Promise<string | null> {
  if (data === null) return null;
  if (data instanceof Blob) return data.text();
  return new Response(data.stream).text();
}

export function storageContract(name: string, open: () => Promise<StorageBackend>, cleanup: () => Promise<void> = async () => {}) {
  describe(`StorageBackend contract: ${name}`, () => {
    let storage: StorageBackend;
    beforeEach(async () => {
      storage = await open();
      await storage.init();
    });
    afterEach(async () => {
      await storage.close();
      await cleanup();
    });

    test("write then read whole and by range", async () => {
      const { id, size } = await storage.write(chunks("hello ", "world"));
      expect(size).toBe(11);
      expect(await text(await storage.read(id))).toBe("hello world");
      expect(await text(await storage.read(id, { start: 6, end: 10 }))).toBe("world");
      expect(await text(await storage.read(id, { start: 0, end: 0 }))).toBe("h");
    });

    test("every write gets its own id", async () => {
      const a = await storage.write(chunks("a"));
      const b = await storage.write(chunks("a"));
      expect(a.id).not.toBe(b.id);
    });

    test("an empty write is a zero-byte object", async () => {
      const { id, size } = await storage.write(chunks());
      expect(size).toBe(0);
      expect(await text(await storage.read(id))).toBe("");
    });

    test("delete removes, and deleting twice is fine", async () => {
      const { id } = await storage.write(chunks("x"));
      await storage.delete(id);
      await storage.delete(id);
      expect(await storage.read(id)).toBeNull();
    });

    test("a source that throws keeps nothing and rethrows", async () => {
      await expect(storage.write(failing("partial"))).rejects.toThrow("client went away");
    });

    test("compose (where offered) joins stored objects in order and shows every byte", async () => {
      if (!storage.compose) return;
      const a = await storage.write(chunks("first-"));
      const b = await storage.write(chunks("second-"));
      const c = await storage.write(chunks("third"));
      let seen = "";
      const joined = await storage.compose([a.id, b.id, c.id], (chunk) => (seen += new TextDecoder().decode(chunk)));
      expect(joined.size).toBe(18);
      expect(await text(await storage.read(joined.id))).toBe("first-second-third");
      expect(seen).toBe("first-second-third");
      expect(await text(await storage.read(a.id))).toBe("first-");
      await expect(storage.compose([a.id], () => { throw new Error("checksum mismatch"); })).rejects.toThrow("checksum mismatch");
    });

    test("ping answers", async () => {
      await storage.ping();
    });
  });
}

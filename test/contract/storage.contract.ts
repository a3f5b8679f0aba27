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

/** The optional capabilities a backend offers; the suite checks it offers exactly these, then tests them. */
export interface StorageFeatures {
  compose: boolean;
  sessions: boolean;
  /** A server-side copy (optional; absent means none). */
  copy?: boolean;
}

export function storageContract(
  name: string, features: StorageFeatures, open: () => Promise<StorageBackend>, cleanup: () => Promise<void> = async () => {},
) {
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

    test("with its size declared: stored the same; a source that throws after all its bytes keeps nothing", async () => {
      const { id, size } = await storage.write(chunks("declared ", "size"), 13);
      expect(size).toBe(13);
      expect(await text(await storage.read(id))).toBe("declared size");
      const before = storage.listStored ? (await Array.fromAsync(storage.listStored())).length : 0;
      async function* lateFailure() {
        yield new TextEncoder().encode("all the bytes");
        throw new Error("digest mismatch");
      }
      await expect(storage.write(lateFailure(), 13)).rejects.toThrow("digest mismatch");
      if (storage.listStored) expect((await Array.fromAsync(storage.listStored())).length).toBe(before);
    });

    test("offers the capabilities it declares", () => {
      expect({ compose: storage.compose !== undefined, sessions: storage.sessions !== undefined, copy: storage.copy !== undefined })
        .toEqual({ copy: false, ...features });
    });

    test.skipIf(!features.copy)("copy makes a new stored object with the same bytes, leaving the source", async () => {
      const a = await storage.write(chunks("copied ", "bytes"));
      const b = await storage.copy!(a.id, a.size);
      expect(b?.id).not.toBe(a.id);
      expect(b?.size).toBe(12);
      expect(await text(await storage.read(b!.id))).toBe("copied bytes");
      await storage.delete(a.id);
      expect(await text(await storage.read(b!.id))).toBe("copied bytes");
    });

    test.skipIf(!features.compose)("compose joins stored objects in order, leaving them as they were", async () => {
      const a = await storage.write(chunks("first-"));
      const b = await storage.write(chunks("second-"));
      const c = await storage.write(chunks("third"));
      const joined = await storage.compose!([a.id, b.id, c.id]);
      expect(joined.size).toBe(18);
      expect(await text(await storage.read(joined.id))).toBe("first-second-third");
      expect(await text(await storage.read(a.id))).toBe("first-");
    });

    const MiB5 = 5 * 1024 * 1024;
    const filled = (n: number, byte: number) => new Uint8Array(n).fill(byte);
    async function* one(bytes: Uint8Array) {
      yield bytes;
    }

    test.skipIf(!features.sessions)("sessions: parts written (and one rewritten) in any order complete into one object, idempotently", async () => {
      const sessions = storage.sessions!;
      const { session, storageId } = await sessions.create();
      expect(await storage.read(storageId)).toBeNull();
      const p2 = await sessions.writePart(session, storageId, 2, one(filled(7, 2)), 7);
      await sessions.writePart(session, storageId, 1, one(filled(MiB5, 9)), MiB5);
      const p1 = await sessions.writePart(session, storageId, 1, one(filled(MiB5, 1)), MiB5);
      const parts = [{ partNumber: 1, token: p1.token }, { partNumber: 2, token: p2.token }];
      await sessions.complete(session, storageId, parts);
      await sessions.complete(session, storageId, parts);
      const data = await storage.read(storageId);
      const bytes = new Uint8Array(await new Response(data instanceof Blob ? data : data!.stream).arrayBuffer());
      expect(bytes.length).toBe(MiB5 + 7);
      expect(bytes[0]).toBe(1);
      expect(bytes[MiB5 - 1]).toBe(1);
      expect(bytes[MiB5]).toBe(2);
      await storage.delete(storageId);
    });

    test.skipIf(!features.sessions)("sessions: abort keeps nothing, and aborting twice is fine", async () => {
      const sessions = storage.sessions!;
      const { session, storageId } = await sessions.create();
      await sessions.writePart(session, storageId, 1, one(filled(10, 3)), 10);
      await sessions.abort(session, storageId);
      await sessions.abort(session, storageId);
      expect(await storage.read(storageId)).toBeNull();
      await expect(sessions.complete(session, storageId, [{ partNumber: 1, token: "x" }])).rejects.toThrow();
    });

    test("ping answers", async () => {
      await storage.ping();
    });
  });
}

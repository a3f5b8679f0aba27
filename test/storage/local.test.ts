import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalStorage } from "../../src/storage/local.ts";
import { storageContract } from "../contract/storage.contract.ts";

let dir = "";
storageContract(
  "local",
  { compose: true, sessions: false, copy: true },
  async () => {
    dir = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
    return new LocalStorage(join(dir, "objects"));
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);

test("local: start-up clears temp files a crash left behind", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  try {
    mkdirSync(join(d, ".tmp"), { recursive: true });
    writeFileSync(join(d, ".tmp", "half-written"), "partial");
    const storage = new LocalStorage(d);
    await storage.init();
    expect(readdirSync(join(d, ".tmp"))).toEqual([]);
    await storage.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("local: a failed write leaves no temp file", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  try {
    const storage = new LocalStorage(d);
    await storage.init();
    await storage.write((async function* () {
      yield new Uint8Array(10);
      throw new Error("boom");
    })()).catch(() => {});
    expect(readdirSync(join(d, ".tmp"))).toEqual([]);
    expect(await Array.fromAsync(storage.listStored())).toEqual([]);
    await storage.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("local: a write that fails after its early fdatasync began waits for it and leaves nothing behind", async () => {
  // Past 8 MiB a write starts an fdatasync on a worker thread; a body that then fails must not close
  // the descriptor under that sync, nor leave its failure unhandled (which ends the process).
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  process.on("unhandledRejection", onUnhandled);
  try {
    const storage = new LocalStorage(d);
    await storage.init();
    const chunk = new Uint8Array(1024 * 1024).fill(7);
    for (let round = 0; round < 50; round++) {
      const failure = await storage.write((async function* () {
        for (let i = 0; i < 9; i++) yield chunk;
        throw new Error("client went away");
      })()).catch((err: Error) => err);
      expect((failure as Error).message).toBe("client went away");
    }
    await Bun.sleep(50);
    expect(unhandled).toEqual([]);
    expect(readdirSync(join(d, ".tmp"))).toEqual([]);
    expect(await Array.fromAsync(storage.listStored())).toEqual([]);
    await storage.close();
  } finally {
    process.off("unhandledRejection", onUnhandled);
    rmSync(d, { recursive: true, force: true });
  }
});

test("local: listStored yields every stored id with its write time", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  try {
    const storage = new LocalStorage(d);
    await storage.init();
    const a = await storage.write((async function* () { yield new Uint8Array(3); })());
    const b = await storage.write((async function* () { yield new Uint8Array(4); })());
    const listed = await Array.fromAsync(storage.listStored());
    expect(listed.map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
    expect(listed.every((e) => Math.abs(e.modified - Date.now()) < 60_000)).toBe(true);
    await storage.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("local: ids that are not ours never reach the filesystem", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  try {
    const storage = new LocalStorage(d);
    await storage.init();
    await expect(storage.read("../../etc/passwd")).rejects.toThrow("invalid storage id");
    expect(existsSync(join(d, "..", "etc"))).toBe(false);
    await storage.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("local: a large object handed out for sendfile can still be sent when deleted at once; the unlink follows within a second, or at close", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  try {
    const storage = new LocalStorage(d);
    await storage.init();
    const data = crypto.getRandomValues(new Uint8Array(9 * 1024 * 1024));
    const big = async () => (await storage.write((async function* () { yield data; })())).id;
    const a = await big();
    const file = await storage.read(a, { start: 8 * 1024 * 1024, end: 9 * 1024 * 1024 - 1 });
    // A file-backed Blob (what Bun sends by sendfile, opening the path only then), not bytes in memory.
    expect((file as Blob & { name?: string }).name).toContain(a);
    await storage.delete(a);
    expect(Buffer.from(await (file as Blob).arrayBuffer()).equals(data.subarray(8 * 1024 * 1024))).toBe(true);
    const stored = () => readdirSync(d, { recursive: true }).filter((n) => String(n).includes(a));
    expect(stored()).toHaveLength(1);
    for (let i = 0; i < 30 && stored().length > 0; i++) await Bun.sleep(100);
    expect(stored()).toEqual([]);

    const b = await big();
    await storage.read(b);
    await storage.delete(b);
    await storage.close();
    expect(readdirSync(d, { recursive: true }).filter((n) => String(n).includes(b))).toEqual([]);
    // An object never sent by sendfile is unlinked by delete itself.
    const c = (await storage.write((async function* () { yield new Uint8Array(10); })())).id;
    await storage.read(c);
    await storage.delete(c);
    expect(readdirSync(d, { recursive: true }).filter((n) => String(n).includes(c))).toEqual([]);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

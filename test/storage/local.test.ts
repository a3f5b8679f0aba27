import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalStorage } from "../../src/storage/local.ts";
import { storageContract } from "../contract/storage.contract.ts";

let dir = "";
storageContract(
  "local",
  { compose: true, sessions: false },
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

import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataStream } from "../../src/core/copy.ts";
import type { StoredData } from "../../src/storage/backend.ts";
import { LocalStorage } from "../../src/storage/local.ts";

const MiB = 1024 * 1024;
let dir = "";
let storage: LocalStorage;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "bleepstore-composed-"));
  storage = new LocalStorage(dir);
  await storage.init();
});
afterEach(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = async (bytes: Uint8Array) => (await storage.write((async function* () { yield bytes; })())).id;
const bytesOf = async (data: StoredData | null) => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of dataStream(data!)) chunks.push(chunk);
  return Buffer.concat(chunks);
};
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};
/** Where each stored id's name lives on disk, and the inode behind it. */
const inode = (id: string) => statSync(join(dir, id.slice(0, 2), id)).ino;

test("compose copies no byte: the object's entries are the parts' own files (hard links), readable after the parts are deleted", async () => {
  const parts = [random(5 * MiB), random(5 * MiB), random(123_457)];
  const ids = await Promise.all(parts.map(put));
  const inodes = ids.map(inode);
  const { id, size } = await storage.compose(ids);
  expect(size).toBe(parts.reduce((n, p) => n + p.length, 0));
  const objectDir = join(dir, id.slice(0, 2), id);
  expect(statSync(objectDir).isDirectory()).toBe(true);
  expect([0, 1, 2].map((i) => statSync(join(objectDir, String(i))).ino)).toEqual(inodes);
  for (const part of ids) await storage.delete(part);
  const whole = Buffer.concat(parts);
  // Read before the background consolidation is done (all three start in this turn): from the parts.
  const early = await Promise.all([storage.read(id), storage.read(id, { start: 5 * MiB - 10, end: 5 * MiB + 10 })]);
  expect((await bytesOf(early[0])).equals(whole)).toBe(true);
  expect((await bytesOf(early[1])).equals(whole.subarray(5 * MiB - 10, 5 * MiB + 11))).toBe(true);
  // Then one file again: read like a plain object (a whole GET by sendfile, with its size), links gone.
  await storage.settled();
  for (let i = 0; i < 50 && readdirSync(objectDir).some((n) => /^\d+$/.test(n)); i++) await Bun.sleep(10);
  expect(readdirSync(objectDir).sort()).toEqual(["sizes", "whole"]);
  const file = await storage.read(id);
  expect(file instanceof Blob && typeof (file as Blob & { name?: string }).name).toBe("string");
  expect((file as Blob).size).toBe(whole.length);
  expect((await bytesOf(await storage.read(id))).equals(whole)).toBe(true);
  // Ranges: inside one part, across two, across all three, the last byte, past the end.
  for (const [start, end] of [[10, 70_000], [5 * MiB - 10, 5 * MiB + 10], [4 * MiB, 10 * MiB + 5], [whole.length - 1, whole.length - 1], [whole.length - 5, whole.length + 100]] as const) {
    const got = await bytesOf(await storage.read(id, { start, end }));
    expect(got.equals(whole.subarray(start, end + 1))).toBe(true);
  }
  await storage.delete(id);
  // The first range went out by sendfile: the removal waits out its second of grace.
  for (let i = 0; i < 30 && existsSync(objectDir); i++) await Bun.sleep(100);
  expect(existsSync(objectDir)).toBe(false);
  expect(await storage.read(id)).toBeNull();
});

test("a single part becomes a plain file under a second name", async () => {
  const data = random(100_000);
  const part = await put(data);
  const { id, size } = await storage.compose([part]);
  expect(size).toBe(data.length);
  expect(statSync(join(dir, id.slice(0, 2), id)).isFile()).toBe(true);
  expect(inode(id)).toBe(inode(part));
  await storage.delete(part);
  expect((await bytesOf(await storage.read(id))).equals(Buffer.from(data))).toBe(true);
});

test("reads of a composed object from its parts: a range inside one part by sendfile, up to 8 MiB in memory, more streamed", async () => {
  const parts = [random(6 * MiB), random(6 * MiB), random(1000)];
  const { id } = await storage.compose(await Promise.all(parts.map(put)));
  // All started in this turn, before the background consolidation can be done.
  const [inside, across, whole] = await Promise.all([
    storage.read(id, { start: 6 * MiB + 1, end: 7 * MiB }), storage.read(id, { start: 5 * MiB, end: 7 * MiB }), storage.read(id),
  ]);
  expect(typeof (inside as Blob & { name?: string }).name).toBe("string");
  expect((inside as Blob & { name?: string }).name).toContain(`${id}/1`);
  expect(across instanceof Blob && typeof (across as Blob & { name?: string }).name !== "string").toBe(true);
  expect(whole instanceof Blob).toBe(false);
  expect((whole as { size: number }).size).toBe(12 * MiB + 1000);
  expect((await bytesOf(whole)).equals(Buffer.concat(parts))).toBe(true);
});

test("a delete waits for the streams reading a composed object, then removes it; a cancelled stream lets it go too", async () => {
  const parts = [random(5 * MiB), random(5 * MiB)];
  const { id } = await storage.compose(await Promise.all(parts.map(put)));
  const objectDir = join(dir, id.slice(0, 2), id);
  const reading = (await storage.read(id)) as { stream: ReadableStream<Uint8Array> };
  expect(reading.stream).toBeDefined();
  const reader = reading.stream.getReader();
  const first = await reader.read();
  await storage.delete(id);
  expect(existsSync(objectDir)).toBe(true);
  const chunks = [first.value!];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  expect(Buffer.concat(chunks).equals(Buffer.concat(parts))).toBe(true);
  for (let i = 0; i < 50 && existsSync(objectDir); i++) await Bun.sleep(10);
  expect(existsSync(objectDir)).toBe(false);

  const again = await storage.compose(await Promise.all(parts.map(put)));
  const cancelled = (await storage.read(again.id)) as { stream: ReadableStream<Uint8Array> };
  await cancelled.stream.cancel();
  await storage.delete(again.id);
  // Its consolidation held it too; the delete follows once that is over.
  await storage.settled();
  for (let i = 0; i < 50 && existsSync(join(dir, again.id.slice(0, 2), again.id)); i++) await Bun.sleep(10);
  expect(existsSync(join(dir, again.id.slice(0, 2), again.id))).toBe(false);
});

test("a composed object a crash left in .tmp is gone at start-up; a complete one is listed by listStored", async () => {
  const { id } = await storage.compose(await Promise.all([random(1000), random(1000)].map(put)));
  mkdirSync(join(dir, ".tmp", "0".repeat(32)));
  writeFileSync(join(dir, ".tmp", "0".repeat(32), "0"), "x");
  await storage.close();
  storage = new LocalStorage(dir);
  await storage.init();
  expect(readdirSync(join(dir, ".tmp"))).toEqual([]);
  const listed: string[] = [];
  for await (const entry of storage.listStored()) listed.push(entry.id);
  expect(listed).toContain(id);
});

test("on a filesystem without hard links (as init finds FAT): compose copies the bytes into one file, copy declines", async () => {
  (storage as unknown as { links: boolean }).links = false;
  const parts = [random(70_000), random(1234)];
  const ids = await Promise.all(parts.map(put));
  const { id, size } = await storage.compose(ids);
  expect(size).toBe(71_234);
  expect(statSync(join(dir, id.slice(0, 2), id)).isFile()).toBe(true);
  expect(ids.map(inode)).not.toContain(inode(id));
  expect((await bytesOf(await storage.read(id))).equals(Buffer.concat(parts))).toBe(true);
  expect(await storage.copy(id, size)).toBeNull();
});

test("a copy (a hard link of an old file) is listed as new, so reconciliation cannot take it for an old orphan", async () => {
  const source = await put(random(1000));
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(join(dir, source.slice(0, 2), source), hourAgo, hourAgo);
  await Bun.sleep(20);
  const before = Date.now() - 5;
  const copied = (await storage.copy(source, 1000))!;
  const listed = new Map<string, number>();
  for await (const entry of storage.listStored()) listed.set(entry.id, entry.modified);
  expect(listed.get(copied.id)!).toBeGreaterThanOrEqual(before);
});

test("a consolidation cut short (closed, or a crash leaving whole.tmp) is done again on the next read", async () => {
  const parts = [random(3 * MiB), random(2 * MiB)];
  const { id } = await storage.compose(await Promise.all(parts.map(put)));
  await storage.close(); // cancels the consolidation at its first chunk
  const objectDir = join(dir, id.slice(0, 2), id);
  expect(existsSync(join(objectDir, "whole"))).toBe(false);
  writeFileSync(join(objectDir, "whole.tmp"), "left by a crash");
  storage = new LocalStorage(dir);
  await storage.init();
  expect((await bytesOf(await storage.read(id))).equals(Buffer.concat(parts))).toBe(true);
  await storage.settled();
  for (let i = 0; i < 50 && readdirSync(objectDir).length > 2; i++) await Bun.sleep(10);
  expect(readdirSync(objectDir).sort()).toEqual(["sizes", "whole"]);
  expect((await bytesOf(await storage.read(id))).equals(Buffer.concat(parts))).toBe(true);
});

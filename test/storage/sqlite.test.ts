// SQLite storage: object bytes as chunk rows in the metadata database.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteMetadataStore } from "../../src/metadata/sqlite.ts";
import { SqliteStorage } from "../../src/storage/sqlite.ts";
import { storageContract } from "../contract/storage.contract.ts";

let dir = "";
let store: SqliteMetadataStore | undefined;
async function open(): Promise<SqliteStorage> {
  dir = mkdtempSync(join(tmpdir(), "bleepstore-sqlite-storage-"));
  const s = new SqliteMetadataStore(join(dir, "metadata.db"));
  await s.init();
  store = s;
  return new SqliteStorage(() => s.connection);
}

storageContract("sqlite", { compose: true, sessions: false }, open, async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("sqlite storage: a 3 MiB object is chunked, read back whole, by ranges across chunks and as a stream", async () => {
  const storage = await open();
  await storage.init();
  const data = crypto.getRandomValues(new Uint8Array(3 * 1024 * 1024 + 17));
  const { id, size } = await storage.write((async function* () {
    for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
  })());
  expect(size).toBe(data.length);
  const whole = await storage.read(id) as Blob;
  expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
  const range = await storage.read(id, { start: 262_140, end: 786_440 }) as Blob;
  expect(Buffer.from(await range.arrayBuffer()).equals(data.subarray(262_140, 786_441))).toBe(true);
  const rows = store!.connection.query("SELECT count(*) AS n, max(len) AS max FROM blob_chunks WHERE id = ?").get(id) as { n: number; max: number };
  expect(rows).toEqual({ n: 13, max: 256 * 1024 });
  await store!.close();
  rmSync(dir, { recursive: true, force: true });
});

test("sqlite storage: a write cut short at start-up (size -1) is removed by init; a failing source keeps nothing", async () => {
  const storage = await open();
  await storage.init();
  store!.connection.query("INSERT INTO blobs (id, size, created) VALUES ('0123456789abcdef0123456789abcdef', -1, 0)").run();
  store!.connection.query("INSERT INTO blob_chunks (id, offset, len, data) VALUES ('0123456789abcdef0123456789abcdef', 0, 1, x'00')").run();
  await storage.init();
  expect(store!.connection.query("SELECT count(*) AS n FROM blob_chunks").get()).toEqual({ n: 0 });
  await expect(storage.write((async function* () {
    yield new Uint8Array(300_000);
    throw new Error("client went away");
  })())).rejects.toThrow("client went away");
  expect(store!.connection.query("SELECT (SELECT count(*) FROM blobs) + (SELECT count(*) FROM blob_chunks) AS n").get()).toEqual({ n: 0 });
  await store!.close();
  rmSync(dir, { recursive: true, force: true });
});

import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteMetadataStore } from "../../src/metadata/sqlite.ts";
import { bucketRecord, metadataContract, objectRecord } from "../contract/metadata.contract.ts";

let dir = "";
metadataContract(
  "sqlite",
  async () => {
    dir = mkdtempSync(join(tmpdir(), "bleepstore-sqlite-"));
    return new SqliteMetadataStore(join(dir, "nested", "metadata.db"));
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);

test("sqlite: data survives reopening, and migrations are not re-applied", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-sqlite-"));
  try {
    const path = join(d, "m.db");
    const a = new SqliteMetadataStore(path);
    await a.init();
    await a.createBucket(bucketRecord("keep"));
    await a.putObject(objectRecord("keep", "k"));
    await a.close();
    const b = new SqliteMetadataStore(path);
    await b.init();
    expect((await b.getObject("keep", "k"))?.key).toBe("k");
    await b.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("sqlite: a second process cannot open a database in use, and says why", async () => {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-sqlite-"));
  const path = join(d, "m.db");
  const holder = Bun.spawn([process.execPath, "-e", `
    const { SqliteMetadataStore } = await import(${JSON.stringify(join(import.meta.dir, "../../src/metadata/sqlite.ts"))});
    await new SqliteMetadataStore(${JSON.stringify(path)}).init();
    console.log("holding");
    await Bun.sleep(60_000);`], { stdout: "pipe" });
  try {
    const reader = holder.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("holding");
    const second = new SqliteMetadataStore(path);
    await expect(second.init()).rejects.toThrow(/in use by another process/);
  } finally {
    holder.kill("SIGKILL");
    await holder.exited;
  }
  // Once the holder is gone (even by SIGKILL) the database opens normally.
  const after = new SqliteMetadataStore(path);
  await after.init();
  await after.close();
  rmSync(d, { recursive: true, force: true });
});

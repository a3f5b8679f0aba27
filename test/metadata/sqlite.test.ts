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

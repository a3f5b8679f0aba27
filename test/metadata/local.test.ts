import { expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalMetadataStore } from "../../src/metadata/local.ts";
import { bucketRecord, metadataContract, objectRecord, partRecord, uploadRecord } from "../contract/metadata.contract.ts";

let dir = "";
metadataContract(
  "local",
  async () => {
    dir = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
    // A small threshold, so the contract's larger cases compact while they run.
    return new LocalMetadataStore(join(dir, "nested", "metadata"), { compactMinLines: 500 });
  },
  async () => rmSync(dir, { recursive: true, force: true }),
);

async function withDir(run: (root: string) => Promise<void>): Promise<void> {
  const d = mkdtempSync(join(tmpdir(), "bleepstore-local-"));
  try {
    await run(join(d, "m"));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

async function reopen(root: string, compactMinLines = 100_000): Promise<LocalMetadataStore> {
  const store = new LocalMetadataStore(root, { compactMinLines });
  await store.init();
  return store;
}

test("local: every kind of change survives reopening, from the log and from a snapshot", () =>
  withDir(async (root) => {
    const a = await reopen(root);
    await a.putCredential({ accessKey: "AK", secretKey: "s", owner: { id: "o", displayName: "o" }, createdAt: 1 });
    await a.createBucket(bucketRecord("b"));
    await a.updateBucket("b", { versioning: "Enabled", tags: { t: "1" } });
    await a.putObject(objectRecord("b", "k", { versionId: "00000000000000010000000000000001" }));
    await a.putObject(objectRecord("b", "k", { versionId: "00000000000000000000000000000001", size: 9 }));
    await a.updateObject("b", "k", undefined, { tags: { x: "y" } });
    await a.updateObject("b", "k", "00000000000000010000000000000001", { legalHold: true });
    await a.createUpload(uploadRecord("b", "mp", "u1"));
    await a.putPart(partRecord("u1", 1));
    await a.putObject(objectRecord("b", "gone"));
    await a.deleteObject("b", "gone", { versionId: "null" });
    await a.putRecord("kms-key", "k1", '{"v":1}', null);
    await a.putRecord("kms-key", "k1", '{"v":2}', '{"v":1}');
    await a.putRecord("kms-key", "k2", '{"v":1}', null);
    const before = {
      versions: await a.listObjectVersions("b", { prefix: "", delimiter: "", keyMarker: "", versionIdMarker: "", maxKeys: 100 }),
      current: await a.getObject("b", "k"),
      old: await a.getObject("b", "k", "00000000000000010000000000000001"),
      bucket: await a.getBucket("b"),
      parts: await a.listParts("u1", 0, 10),
      stats: await a.bucketStats(),
      creds: await a.listCredentials(),
      events: await a.listEvents(0, 100),
      records: await a.listRecords("kms-key"),
    };
    await a.close();
    const state = async (s: LocalMetadataStore) => ({
      versions: await s.listObjectVersions("b", { prefix: "", delimiter: "", keyMarker: "", versionIdMarker: "", maxKeys: 100 }),
      current: await s.getObject("b", "k"),
      old: await s.getObject("b", "k", "00000000000000010000000000000001"),
      bucket: await s.getBucket("b"),
      parts: await s.listParts("u1", 0, 10),
      stats: await s.bucketStats(),
      creds: await s.listCredentials(),
      events: await s.listEvents(0, 100),
      records: await s.listRecords("kms-key"),
    });
    const b = await reopen(root);
    expect(await state(b)).toEqual(before);
    await b.compact();
    await b.close();
    expect(readdirSync(root).filter((f) => f.endsWith(".jsonl")).sort()).toEqual(["log-00000002.jsonl", "snapshot-00000002.jsonl"]);
    const c = await reopen(root);
    expect(await state(c)).toEqual(before);
    await c.close();
  }));

test("local: a torn last line is ignored and cut off, and the next change follows a clean line", () =>
  withDir(async (root) => {
    const a = await reopen(root);
    await a.createBucket(bucketRecord("b"));
    await a.putObject(objectRecord("b", "kept"));
    await a.close();
    const log = join(root, "log-00000001.jsonl");
    appendFileSync(log, '{"op":"putObject","args":[{"bucket":"b","key":"torn"');
    const b = await reopen(root);
    expect(await b.getObject("b", "torn")).toBeNull();
    expect((await b.getObject("b", "kept"))?.key).toBe("kept");
    await b.putObject(objectRecord("b", "after"));
    await b.close();
    expect(readFileSync(log, "utf8").endsWith("}\n")).toBe(true);
    const c = await reopen(root);
    expect((await c.getObject("b", "after"))?.key).toBe("after");
    await c.close();
  }));

test("local: a damaged line in the middle stops start-up with the file and line", () =>
  withDir(async (root) => {
    const a = await reopen(root);
    await a.createBucket(bucketRecord("b"));
    await a.close();
    const log = join(root, "log-00000001.jsonl");
    const text = readFileSync(log, "utf8");
    await Bun.write(log, "not json\n" + text);
    await expect(reopen(root)).rejects.toThrow(/log-00000001\.jsonl is damaged at line 1/);
  }));

test("local: a second store on the same directory is refused", () =>
  withDir(async (root) => {
    const a = await reopen(root);
    await expect(reopen(root)).rejects.toThrow(/in use by another process/);
    await a.close();
  }));

test("local: compaction runs on its own past the threshold, and a change that fails logs nothing", () =>
  withDir(async (root) => {
    const a = await reopen(root, 50);
    await a.createBucket(bucketRecord("b"));
    for (let i = 0; i < 120; i++) await a.putObject(objectRecord("b", `k${i % 10}`));
    await Bun.sleep(50);
    await a.close();
    const files = readdirSync(root).filter((f) => f.endsWith(".jsonl")).sort();
    expect(files.some((f) => f.startsWith("snapshot-"))).toBe(true);
    expect(files.filter((f) => f.startsWith("snapshot-")).length).toBe(1);
    const b = await reopen(root, 50);
    expect((await b.bucketStats())).toEqual([{ bucket: "b", objects: 10, bytes: 30 }]);
    const lines = () => readdirSync(root).filter((f) => f.startsWith("log-")).map((f) => readFileSync(join(root, f), "utf8")).join("").length;
    const size = lines();
    await expect(b.putObject(objectRecord("b", "k1"), { ifNoneMatch: true })).rejects.toThrow();
    await expect(b.putObject(objectRecord("nobucket", "k"))).rejects.toThrow();
    expect(await b.deleteObject("b", "missing")).toBeNull();
    expect(lines()).toBe(size);
    await b.close();
  }));

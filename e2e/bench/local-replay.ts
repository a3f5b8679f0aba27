// Start-up of metadata.engine: local at scale: writes N objects (default 1,000,000) through the engine,
// then measures opening the directory from the log alone (replay), and again after a compaction (from
// the snapshot). Prints times, files' sizes and the process's RSS.
//   bun e2e/bench/local-replay.ts [--objects N]
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalMetadataStore } from "../../src/metadata/local.ts";
import { bucketRecord, objectRecord } from "../../test/contract/metadata.contract.ts";

const at = process.argv.indexOf("--objects");
const N = at > 0 ? Number(process.argv[at + 1]) : 1_000_000;
const root = join(mkdtempSync(join(tmpdir(), "bleepstore-replay-")), "metadata");
const MiB = 1024 * 1024;
const rss = () => `${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`;
const files = () => readdirSync(root).filter((f) => f.endsWith(".jsonl")).map((f) => `${f} ${(statSync(join(root, f)).size / MiB).toFixed(0)} MiB`).join(", ");

async function open(): Promise<{ store: LocalMetadataStore; ms: number }> {
  Bun.gc(true);
  const store = new LocalMetadataStore(root, { compactMinLines: Number.MAX_SAFE_INTEGER });
  const t = performance.now();
  await store.init();
  return { store, ms: performance.now() - t };
}

try {
  let { store } = await open();
  await store.createBucket(bucketRecord("bench"));
  const t = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, N - i) }, (_, j) =>
      store.putObject(objectRecord("bench", `dir${String((i + j) % 1000).padStart(3, "0")}/object-${String(i + j).padStart(8, "0")}.dat`, { size: 4096 }))));
  }
  console.log(`wrote ${N} objects in ${((performance.now() - t) / 1000).toFixed(1)} s; ${files()}`);
  await store.close();

  let opened = await open();
  console.log(`start-up from the log: ${(opened.ms / 1000).toFixed(2)} s, RSS ${rss()}; ${(await opened.store.bucketStats())[0]!.objects} objects`);
  const c = performance.now();
  await opened.store.compact();
  console.log(`compaction: ${((performance.now() - c) / 1000).toFixed(2)} s; ${files()}`);
  await opened.store.close();

  opened = await open();
  console.log(`start-up from the snapshot: ${(opened.ms / 1000).toFixed(2)} s, RSS ${rss()}; ${(await opened.store.bucketStats())[0]!.objects} objects`);
  await opened.store.close();
  store = opened.store;
} finally {
  rmSync(join(root, ".."), { recursive: true, force: true });
}

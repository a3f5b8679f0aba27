// Scale benchmark: PUT, GET and a delimiter LIST page in a bucket holding N objects (default
// 1,000,000) against the same operations in an empty bucket, on one server in one run.
//
// Loading: one object is PUT over HTTP; then the server is stopped and N records are written into
// its SQLite metadata through the engine's own metadata store (SqliteMetadataStore.putObject, the
// call a PUT ends in), all pointing at that one stored file — metadata only, as the scenario
// allows — in 1,000 prefixes of N/1,000 keys. The server is then started again on the same data.
// Usage: bun e2e/bench/scale.ts [--objects N] [--seconds S]   (npm run bench:scale; ~3 min)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SqliteMetadataStore } from "../../src/metadata/sqlite.ts";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { runLoad, type LoadResult } from "./load.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { objects: { type: "string", default: "1000000" }, seconds: { type: "string", default: "5" } },
});
const OBJECTS = Number(values.objects);
const SECONDS = Number(values.seconds);
const PREFIXES = 1000;
const BODY = new Uint8Array(4096).fill(98);

await using server = await startServer({ args: ["--workers", "1", "--log-level", "error"] });
const ep = () => server.endpoint;
const send = async (url: string, init: ReturnType<typeof signRequest>) => {
  const res = await fetch(url, init);
  const size = (await res.arrayBuffer()).byteLength;
  return res.ok ? size : { error: `${res.status}` };
};
for (const bucket of ["scale-full", "scale-empty"]) {
  await send(`${ep()}/${bucket}`, signRequest(`${ep()}/${bucket}`, { method: "PUT" }));
  await send(`${ep()}/${bucket}/seed`, signRequest(`${ep()}/${bucket}/seed`, { method: "PUT", body: BODY }));
}

// Load N records while the server is down (it holds the database exclusively while it runs).
await server.kill9();
const loadStarted = performance.now();
const store = new SqliteMetadataStore(join(server.dataDir, "metadata.db"));
await store.init();
const seed = (await store.getObject("scale-full", "seed"))!;
const perPrefix = Math.ceil(OBJECTS / PREFIXES);
const BATCH = 20_000;
for (let start = 0; start < OBJECTS; start += BATCH) {
  const writes: Promise<unknown>[] = [];
  for (let i = start; i < Math.min(OBJECTS, start + BATCH); i++) {
    const key = `p${String(Math.floor(i / perPrefix)).padStart(4, "0")}/k${String(i % perPrefix).padStart(7, "0")}`;
    writes.push(store.putObject({ ...seed, key }));
  }
  await Promise.all(writes);
}
await store.close();
const loadSeconds = (performance.now() - loadStarted) / 1000;
console.log(JSON.stringify({ bench: "scale-load", objects: OBJECTS, seconds: +loadSeconds.toFixed(1), recordsPerSec: Math.round(OBJECTS / loadSeconds) }));
await server.restart();

type Scenario = { name: string; concurrency: number; request: (bucket: string, i: number) => Promise<number | { error: string }> };
const scenarios: Scenario[] = [
  { name: "PUT 4KiB c=32 (durable, new keys)", concurrency: 32, request: (bucket, i) => {
    const url = `${ep()}/${bucket}/new/${Math.random().toString(36).slice(2)}-${i}`;
    return send(url, signRequest(url, { method: "PUT", body: BODY, unsignedPayload: true }));
  } },
  { name: "GET 4KiB c=32", concurrency: 32, request: (bucket) => {
    const url = `${ep()}/${bucket}/seed`;
    return send(url, signRequest(url));
  } },
  { name: "LIST delimiter page (1000 prefixes) c=1", concurrency: 1, request: (bucket) => {
    const url = `${ep()}/${bucket}?list-type=2&delimiter=%2F`;
    return send(url, signRequest(url));
  } },
  { name: "LIST inside one prefix, 1000 keys c=1", concurrency: 1, request: (bucket) => {
    const url = `${ep()}/${bucket}?list-type=2&prefix=p0500%2F`;
    return send(url, signRequest(url));
  } },
];

// Each scenario runs empty, full, full, empty (ABBA), so a drift of this machine over the minutes
// (the disk's fsync latency above all) weighs on both buckets alike; the table shows the means.
interface Pair { ops: number; p50: number; errors: number; firstError?: string }
const mean = (rs: LoadResult[]): Pair => ({
  ops: Math.round(rs.reduce((a, r) => a + r.opsPerSec, 0) / rs.length),
  p50: +(rs.reduce((a, r) => a + r.p50ms, 0) / rs.length).toFixed(2),
  errors: rs.reduce((a, r) => a + r.errors, 0),
  ...(rs.find((r) => r.firstError) ? { firstError: rs.find((r) => r.firstError)!.firstError! } : {}),
});
const table: Array<{ name: string; empty: Pair; full: Pair }> = [];
for (const sc of scenarios) {
  const results: Record<string, LoadResult[]> = { "scale-empty": [], "scale-full": [] };
  for (const bucket of ["scale-empty", "scale-full", "scale-full", "scale-empty"]) {
    const result = await runLoad({ concurrency: sc.concurrency, seconds: SECONDS, request: (i) => sc.request(bucket, i) });
    results[bucket]!.push(result);
    console.log(JSON.stringify({ bench: "scale", scenario: sc.name, bucket, ...result }));
  }
  table.push({ name: sc.name, empty: mean(results["scale-empty"]!), full: mean(results["scale-full"]!) });
}

console.log(`\n${OBJECTS.toLocaleString("en")} objects loaded in ${loadSeconds.toFixed(0)} s\n`);
console.log("| scenario | empty bucket ops/s | p50 ms | full bucket ops/s | p50 ms | full / empty (ops/s) | errors |");
console.log("|---|---|---|---|---|---|---|");
for (const { name, empty, full } of table) {
  const err = full.firstError ?? empty.firstError;
  console.log(`| ${name} | ${empty.ops} | ${empty.p50} | ${full.ops} | ${full.p50} | ${(full.ops / empty.ops).toFixed(2)} | ${empty.errors + full.errors}${err ? ` (${err})` : ""} |`);
}

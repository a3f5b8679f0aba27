// The workers benchmark (npm run bench -- --workers 1,2; on a bigger machine: bun e2e/bench/workers.ts
// --workers 1,2,4,8,16 --clients 4): for each count of worker processes (server.workers), a fresh
// server in the default configuration (request logs on, to a pipe), and GET, HEAD, PUT (durable) and
// DELETE of 4 KiB objects at c=32 and LIST (2,000 keys → 100 prefixes) at c=8, from --clients load
// processes (default: one per four cores). Reported per row: ops/s, p99, and the server's CPU per
// request (supervisor and workers together); then each count's ops/s against one worker's. The load
// generator shares the machine: on 2 cores, a second worker competes with it for the same cores.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { cpuSeconds, rssMiB } from "./cpu.ts";
import { summarize, type LoadResult, type LoadSample } from "./load.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { workers: { type: "string", default: "1,2" }, seconds: { type: "string", default: "4" }, clients: { type: "string" } },
  strict: false,
});
const counts = String(values.workers).split(",").map(Number);
if (counts.some((n) => !(n >= 1 && n <= 256))) throw new Error(`--workers takes counts from 1 to 256 (got ${values.workers})`);
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients ?? Math.max(1, Math.floor(navigator.hardwareConcurrency / 4)));
const logDir = mkdtempSync(join(tmpdir(), "bleepstore-bench-workers-"));
process.on("exit", () => rmSync(logDir, { recursive: true, force: true }));

/** One scenario's load from CLIENTS processes, `concurrency` shared among them; their samples together. */
async function load(endpoint: string, op: string, concurrency: number, seconds: number, count?: number): Promise<LoadResult> {
  const per = Math.max(1, Math.round(concurrency / CLIENTS));
  const share = count === undefined ? undefined : Math.ceil(count / CLIENTS);
  const procs = Array.from({ length: CLIENTS }, (_, i) => Bun.spawn([process.execPath, join(import.meta.dir, "workers-client.ts"),
    JSON.stringify({ endpoint, op, concurrency: per, seconds, from: i * (share ?? 1_000_000), ...(share !== undefined ? { count: share } : {}) })], { stdout: "pipe", stderr: "inherit" }));
  const samples = await Promise.all(procs.map(async (p) => JSON.parse(await new Response(p.stdout).text()) as LoadSample));
  // The clients ran side by side: the requests of all over the time of the longest.
  const merged = summarize(...samples);
  const wall = Math.max(...samples.map((s) => s.seconds));
  return { ...merged, seconds: +wall.toFixed(2), opsPerSec: +(merged.ops / wall).toFixed(0) };
}

interface Row { workers: number; scenario: string; result: LoadResult; cpuUsPerReq: number }
const rows: Row[] = [];
const memory: Array<{ workers: number; idleMiB: number }> = [];

for (const workers of counts) {
  await using server = await startServer({ args: ["--workers", String(workers)], stderrFile: join(logDir, `w${workers}.log`) });
  const ep = server.endpoint;
  // Every worker up before anything is measured.
  for (let tries = 0; tries < 200; tries++) {
    const h = await (await fetch(`${ep}/health`)).json() as { workers?: Array<{ status: string }> };
    if ((h.workers?.length ?? 1) === workers && (h.workers ?? []).every((w) => w.status === "ok")) break;
    await Bun.sleep(50);
  }
  await Bun.sleep(500);
  memory.push({ workers, idleMiB: +rssMiB(server.pid()).toFixed(1) });
  const put = (path: string, body?: Uint8Array) => fetch(`${ep}${path}`, signRequest(`${ep}${path}`, { method: "PUT", ...(body ? { body } : {}) }));
  await put("/bench-workers");
  await put("/bench-workers/small", new Uint8Array(4096).fill(97));
  for (let p = 0; p < 100; p++) await Promise.all(Array.from({ length: 20 }, (_, k) => put(`/bench-workers/p${String(p).padStart(3, "0")}/k${k}`, new Uint8Array(16))));
  const measure = async (scenario: string, run: () => Promise<LoadResult>) => {
    const before = cpuSeconds(server.pid());
    const result = await run();
    const cpu = cpuSeconds(server.pid()) - before;
    const row = { workers, scenario, result, cpuUsPerReq: result.ops > 0 ? +((cpu * 1e6) / result.ops).toFixed(1) : 0 };
    rows.push(row);
    console.log(JSON.stringify({ bench: "workers", ...row }));
  };
  await measure("GET 4KiB c=32", () => load(ep, "GET", 32, SECONDS));
  await measure("HEAD 4KiB c=32", () => load(ep, "HEAD", 32, SECONDS));
  await measure("PUT 4KiB c=32 (durable)", () => load(ep, "PUT", 32, SECONDS, 20_000));
  const puts = rows.at(-1)!.result.ops;
  await measure("DELETE c=32 (existing keys)", () => load(ep, "DELETE", 32, SECONDS, Math.min(puts, 20_000)));
  await measure("LIST 2k keys → 100 prefixes c=8", () => load(ep, "LIST", 8, SECONDS));
}

console.log(`\n${CLIENTS} load process(es) on ${navigator.hardwareConcurrency} cores\n`);
console.log("| workers | scenario | ops/s | p99 ms | errors | CPU µs/request | ops/s vs 1 worker |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  const one = rows.find((o) => o.workers === counts[0] && o.scenario === r.scenario);
  const ratio = one && one !== r ? (r.result.opsPerSec / one.result.opsPerSec).toFixed(2) : "";
  console.log(`| ${r.workers} | ${r.scenario} | ${r.result.opsPerSec} | ${r.result.p99ms} | ${r.result.errors} | ${r.cpuUsPerReq} | ${ratio} |`);
}
console.log("\n| workers | idle RSS, supervisor and workers together (MiB) |");
console.log("|---|---|");
for (const m of memory) console.log(`| ${m.workers} | ${m.idleMiB} |`);

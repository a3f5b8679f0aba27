// The benchmark: a freshly started BleepStore and the ceiling fixture, measured in one run, so every
// figure can be read as a ratio (this machine is noisy; ratios in one run are what mean something,
// and a ratio's two sides are measured in alternating turns: inTurns). The fixture also gives the
// floor of the large-object scenarios: what a bare server doing only what S3 requires reaches here.
// Prints one JSON line per scenario, then a table. Loopback only; every scenario is bounded in time.
// Requests to the ceiling are SigV4-signed like the real ones (it ignores the signature), so the
// load generator, which shares this machine's CPUs, does the same work per request in both.
// Usage: bun e2e/bench/run.ts [--seconds N] [--only "PUT 4KiB"]   (npm run bench)
//        bun e2e/bench/run.ts --storage aws|azure|gcp [--rounds N]  (the gateway benchmark, gateway.ts)
//        bun e2e/bench/run.ts --metadata local [--concurrency N]  (metadata engines beside sqlite, metadata.ts)
//        bun e2e/bench/run.ts --queue redis|rabbitmq|nats|webhook  (PUT with events on and off, queue.ts)
//            [--seconds N] [--alone]  (--alone: one server at a time instead of both in alternating turns)
//        bun e2e/bench/run.ts --cluster N  (N nodes on etcd behind HAProxy beside one embedded node, cluster.ts)
//        bun e2e/bench/run.ts --policy  (GET with a 10-statement bucket policy beside none, policy.ts)
//        bun e2e/bench/run.ts --lifecycle [--objects N]  (GET while a lifecycle pass scans 100,000 objects, lifecycle.ts)
//        bun e2e/bench/run.ts --access-log  (GET with server access logging on and off, access-log.ts)
//        bun e2e/bench/run.ts --sse  (PUT/GET 4 KiB and 64 MiB plain, SSE-S3, SSE-KMS; GET access-logged, sse.ts)
//        bun e2e/bench/run.ts --workers 1,2 [--clients P]  (1…N worker processes on one port, workers.ts)
//        bun e2e/bench/run.ts --ladder  (a 4 KiB GET's CPU rung by rung from the S3 floor to BleepStore, ladder.ts)
//        --only takes a regular expression over scenario names, e.g. --only "(GET|HEAD) 4KiB c=32"
// The same file-system thread pool as the server, so the disk ceiling measured here is comparable.
import "../../src/runtime-env.ts";
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient, bunClient, sdkClient } from "./clients.ts";
import { cpuSeconds, peakMiB } from "./cpu.ts";
import { durableWritesPerSec } from "./fsync-ceiling.ts";
import { evict, evictLarge } from "./page-cache.ts";
import { runLoad, sampleLoad, summarize, type LoadResult, type LoadSample } from "./load.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "3" }, only: { type: "string" }, storage: { type: "string" }, rounds: { type: "string" },
    metadata: { type: "string" }, concurrency: { type: "string" }, queue: { type: "string" }, cluster: { type: "string" }, policy: { type: "boolean" },
    lifecycle: { type: "boolean" }, objects: { type: "string" }, "access-log": { type: "boolean" }, sse: { type: "boolean" }, workers: { type: "string" }, clients: { type: "string" },
    ladder: { type: "boolean" }, alone: { type: "boolean" },
  },
});
// The other benchmarks, each a script of its own, chosen by its flag (their usage is at the top).
const OTHERS = [
  ["policy", "./policy.ts"], // the access decision's cost
  ["lifecycle", "./lifecycle.ts"], // GET while a lifecycle pass scans 100,000 objects
  ["access-log", "./access-log.ts"], // GET with server access logging on and off
  ["sse", "./sse.ts"], // plain, SSE-S3 and SSE-KMS PUT/GET, and an access-logged GET, in one run
  ["cluster", "./cluster.ts"], // N nodes on etcd behind HAProxy, beside one embedded node
  ["workers", "./workers.ts"], // 1…N worker processes (server.workers) on one port
  ["ladder", "./ladder.ts"], // a small GET's CPU, rung by rung from the S3 floor to BleepStore
  ["queue", "./queue.ts"], // PUTs with events on and off, and the delivery lag
  ["metadata", "./metadata.ts"], // the metadata engines beside sqlite
  ["storage", "./gateway.ts"], // the gateway benchmark, through BleepStore and direct
] as const;
// Every benchmark but the workers one measures one process (server.workers: 1), so that its figures
// compare with earlier ones and its CPU and memory are one server's; the variable reaches each server.
if (!values.workers) process.env.BLEEPSTORE_SERVER_WORKERS ??= "1";
for (const [flag, script] of OTHERS) {
  if (!values[flag]) continue;
  await import(script);
  process.exit(0);
}
const SECONDS = Number(values.seconds);
const KiB4 = new Uint8Array(4096).fill(97);
const MiB = 1024 * 1024;

interface Row { scenario: string; result: LoadResult; ceilingRatio?: number; diskRatio?: number; serverCpuPct: number; cpuUsPerReq?: number; serverPeakRssMiB: number }
/** CPU time (user + system) of a server per request, µs. */
const perRequest = (cpuSeconds: number, r: LoadResult) => (r.ops > 0 ? +((cpuSeconds * 1e6) / r.ops).toFixed(1) : undefined);
const rows: Row[] = [];

/** The server's CPU and peak memory so far: with worker processes, the supervisor's and all its workers' together. */
function procStats(pid: number): { cpuSeconds: number; peakMiB: number } {
  return { cpuSeconds: cpuSeconds(pid), peakMiB: peakMiB(pid) };
}

// The server as users run it: default configuration, request logs on, its stderr a pipe read by
// another process that appends to a file — as under systemd's journal or a container runtime (and
// not read by this process, which needs its CPU for the load).
const logDir = mkdtempSync(join(tmpdir(), "bleepstore-bench-logs-"));
process.on("exit", () => rmSync(logDir, { recursive: true, force: true }));
function logPipe(name: string): string {
  const fifo = join(logDir, `${name}.fifo`);
  Bun.spawnSync(["mkfifo", fifo]);
  const reader = Bun.spawn(["sh", "-c", 'exec cat "$0" >> "$1"', fifo, join(logDir, `${name}.log`)]);
  process.on("exit", () => reader.kill("SIGKILL"));
  return fifo;
}
// One process (server.workers: 1): the cost of a request, comparable with earlier runs; worker processes
// are measured by --workers (workers.ts), since on this 2-core machine a second one competes with the load generator.
await using server = await startServer({ args: ["--workers", "1"], stderrFile: logPipe("server") });
const pid = server.pid();
const ep = server.endpoint;

const ceilingDir = mkdtempSync(join(tmpdir(), "bleepstore-ceiling-"));
const ceiling = Bun.spawn([process.execPath, join(import.meta.dir, "ceiling-fixture.ts"), ceilingDir], { stdout: "pipe", stderr: "inherit" });
// However this run ends, the fixture goes with it.
process.on("exit", () => ceiling.kill("SIGTERM"));
const ceilingPort = await (async () => {
  const reader = ceiling.stdout.getReader();
  let text = "";
  for (;;) {
    const { value } = await reader.read();
    text += new TextDecoder().decode(value);
    const m = /listening on (\d+)/.exec(text);
    if (m) return Number(m[1]);
  }
})();
const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;

const ok = (res: Response, bytes: number) => (res.ok ? bytes : { error: `${res.status}` });
/** Sends a request and reads the whole response body; large ones are counted chunk by chunk, not kept. */
const send = async (url: string, init: RequestInit) => {
  const res = await fetch(url, init);
  // A streamed body comes chunked, without a Content-Length (oven-sh/bun#10507): counted too.
  const length = res.headers.get("content-length");
  if (res.body === null || (length !== null && Number(length) <= MiB)) return { res, size: (await res.arrayBuffer()).byteLength };
  let size = 0;
  for await (const chunk of res.body!) size += chunk.byteLength;
  return { res, size };
};

const EMPTY: LoadResult = { ops: 0, errors: 0, seconds: 1, opsPerSec: 1, p50ms: 0, p99ms: 0, bytes: 0, MBps: 1 };

const only = values.only ? new RegExp(values.only) : undefined;

/** Runs one scenario (unless --only names others) and records it with the server's CPU and peak RSS. */
async function measure(scenario: string, run: () => Promise<LoadResult>, against: { diskMBps?: number } = {}): Promise<LoadResult> {
  if (only && !only.test(scenario)) return EMPTY;
  const before = procStats(pid);
  const result = await run();
  const after = procStats(pid);
  const row: Row = {
    scenario, result,
    ...(against.diskMBps ? { diskRatio: +(result.MBps / against.diskMBps).toFixed(2) } : {}),
    serverCpuPct: +((100 * (after.cpuSeconds - before.cpuSeconds)) / result.seconds).toFixed(0),
    cpuUsPerReq: perRequest(after.cpuSeconds - before.cpuSeconds, result),
    serverPeakRssMiB: +after.peakMiB.toFixed(1),
  };
  rows.push(row);
  console.log(JSON.stringify({ bench: "bleepstore", ...row }));
  return result;
}

interface Side {
  scenario: string;
  /** One turn's load: `seconds` long, or a count of its own. */
  load: (seconds: number) => Promise<LoadSample>;
  /** The server whose CPU this side is charged with (default the server; 0: none, a yardstick). */
  pid?: number;
  /** The side it is a ratio of: ops/s against ops/s (`ceiling`, `diskOps`), or MB/s (`diskMBps`). */
  ceiling?: string;
  diskOps?: string;
  diskMBps?: string;
}

/**
 * Scenarios measured in alternating turns, each side's turns summed, so that a scenario and the
 * yardstick it is a ratio of see the same minutes of this machine: its disk's rate drifts
 * several-fold within seconds (8,400 durable writes/s, then 1,400/s three seconds later), and its
 * CPU's share for the load generator with it. Runs when --only names any of the sides.
 */
async function inTurns(sides: Side[], turns = TURNS): Promise<Map<string, LoadResult>> {
  const results = new Map<string, LoadResult>();
  if (only && !sides.some((side) => only.test(side.scenario))) return results;
  const samples = sides.map(() => [] as LoadSample[]);
  const cpu = sides.map(() => 0);
  for (let t = 0; t < turns; t++) {
    for (const [i, side] of sides.entries()) {
      const id = side.pid ?? pid;
      const before = id ? procStats(id).cpuSeconds : 0;
      samples[i]!.push(await side.load(SECONDS / turns));
      cpu[i]! += id ? procStats(id).cpuSeconds - before : 0;
    }
  }
  for (const [i, side] of sides.entries()) results.set(side.scenario, summarize(...samples[i]!));
  for (const [i, side] of sides.entries()) {
    const result = results.get(side.scenario)!;
    const ratio = (other: string | undefined, of: (r: LoadResult) => number) => (other ? +(of(result) / of(results.get(other)!)).toFixed(2) : undefined);
    const ceilingRatio = ratio(side.ceiling, (r) => r.opsPerSec);
    const diskRatio = ratio(side.diskOps, (r) => r.opsPerSec) ?? ratio(side.diskMBps, (r) => r.MBps);
    const id = side.pid ?? pid;
    const row: Row = {
      scenario: side.scenario, result,
      ...(ceilingRatio !== undefined ? { ceilingRatio } : {}),
      ...(diskRatio !== undefined ? { diskRatio } : {}),
      serverCpuPct: +((100 * cpu[i]!) / result.seconds).toFixed(0),
      ...(id ? { cpuUsPerReq: perRequest(cpu[i]!, result) } : {}),
      serverPeakRssMiB: id ? +procStats(id).peakMiB.toFixed(1) : 0,
    };
    rows.push(row);
    console.log(JSON.stringify({ bench: "bleepstore", ...row }));
  }
  return results;
}
const TURNS = 6;

// The logs-off twin: the same GETs against it give the per-request log's cost.
await using quiet = await startServer({ args: ["--workers", "1", "--log-level", "error"], stderrFile: logPipe("quiet") });
await fetch(`${quiet.endpoint}/bench`, signRequest(`${quiet.endpoint}/bench`, { method: "PUT" }));
await benchClient.put(quiet.endpoint, "bench", "small", KiB4);

// Setup: the bucket and a 4 KiB object to read; the same in a bucket whose default encryption is
// SSE-S3, whose scenarios run right after their plaintext twins (the table's end gives the ratios).
await fetch(`${ep}/bench`, signRequest(`${ep}/bench`, { method: "PUT" }));
await fetch(`${ep}/bench/small`, signRequest(`${ep}/bench/small`, { method: "PUT", body: KiB4 }));
const encryption = `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
await fetch(`${ep}/bench-sse`, signRequest(`${ep}/bench-sse`, { method: "PUT" }));
await fetch(`${ep}/bench-sse?encryption`, signRequest(`${ep}/bench-sse?encryption`, { method: "PUT", body: encryption }));
await fetch(`${ep}/bench-sse/small`, signRequest(`${ep}/bench-sse/small`, { method: "PUT", body: KiB4 }));

/** `c` clients sending `request` for `seconds` (one turn of a side). */
const loadOf = (c: number, request: (i: number) => Promise<number | { error: string }>) => (seconds: number) => sampleLoad({ concurrency: c, seconds, request });
const getFrom = (base: string, bucket: string) => async () => {
  const url = `${base}/${bucket}/small`;
  const { res, size } = await send(url, signRequest(url));
  return ok(res, size);
};

for (const c of [1, 8, 32]) {
  // GET and HEAD in turns with the ceiling; at c=32 also the logs-off twin (the per-request log's
  // cost), and the same GET and HEAD sent the way real clients send them, each in turns with the
  // ceiling that generator reaches.
  const getCeiling = `ceiling GET 4KiB c=${c}`;
  const head = (base: string, bucket: string) => async () => {
    const url = `${base}/${bucket}/small`;
    const { res } = await send(url, signRequest(url, { method: "HEAD" }));
    return ok(res, 0);
  };
  // The yardsticks of one small request, charged with the fixture's CPU: the plain HTTP ceiling (Bun.serve
  // answering 4 KiB from memory) and the S3 floor (the same after verifying the SigV4 signature).
  await inTurns([
    { scenario: `HTTP ceiling GET 4KiB c=${c} (Bun.serve from memory)`, pid: ceiling.pid, load: loadOf(c, getFrom(`${ceilingUrl}/mem`, "x")) },
    { scenario: `S3 floor GET 4KiB c=${c} (SigV4 verified, from memory)`, pid: ceiling.pid, load: loadOf(c, getFrom(`${ceilingUrl}/s3floor`, "bench")) },
    { scenario: `S3 floor HEAD 4KiB c=${c}`, pid: ceiling.pid, load: loadOf(c, head(`${ceilingUrl}/s3floor`, "bench")) },
    { scenario: `GET 4KiB c=${c} (beside the floor)`, load: loadOf(c, getFrom(ep, "bench")) },
    { scenario: `HEAD 4KiB c=${c} (beside the floor)`, load: loadOf(c, head(ep, "bench")) },
  ]);
  await inTurns([
    { scenario: getCeiling, pid: 0, load: loadOf(c, getFrom(ceilingUrl, "x")) },
    { scenario: `GET 4KiB c=${c}`, load: loadOf(c, getFrom(ep, "bench")), ceiling: getCeiling },
    ...(c <= 8 ? [{ scenario: `SSE-S3 GET 4KiB c=${c}`, load: loadOf(c, getFrom(ep, "bench-sse")) }] : []),
    { scenario: `HEAD 4KiB c=${c}`, ceiling: getCeiling, load: loadOf(c, head(ep, "bench")) },
    ...(c === 32 ? [{ scenario: "GET 4KiB c=32 (request logs off)", pid: quiet.pid(), ceiling: getCeiling, load: loadOf(c, () => benchClient.get(quiet.endpoint, "bench", "small")) }] : []),
  ]);
  if (c === 32) {
    for (const client of [bunClient, sdkClient]) {
      const its = `ceiling GET 4KiB c=32 [${client.name}]`;
      await inTurns([
        { scenario: its, pid: 0, load: loadOf(c, () => client.get(ceilingUrl, "bench", "small")) },
        { scenario: `GET 4KiB c=32 [${client.name}]`, ceiling: its, load: loadOf(c, () => client.get(ep, "bench", "small")) },
        { scenario: `HEAD 4KiB c=32 [${client.name}]`, ceiling: its, load: loadOf(c, async () => {
          await client.head(ep, "bench", "small");
          return 0;
        }) },
      ]);
    }
  }
  // Durable PUTs in turns with the ceiling fixture's PUT (no disk) and the disk's own durable-write
  // rate (temp file, fdatasync, rename, directory fsync) at the same concurrency.
  const disk = `disk ceiling for PUT 4KiB c=${c}: durable writes, no HTTP`;
  const putCeiling = `ceiling PUT 4KiB c=${c}`;
  let n = 0;
  let sse = 0;
  await inTurns([
    { scenario: putCeiling, pid: 0, load: loadOf(c, async () => {
      const url = `${ceilingUrl}/x`;
      const { res } = await send(url, signRequest(url, { method: "PUT", body: KiB4, unsignedPayload: true }));
      return ok(res, 4096);
    }) },
    { scenario: disk, pid: 0, load: async (seconds) => {
      const ops = Math.round((await durableWritesPerSec(c, seconds)) * seconds);
      return { latencies: new Array<number>(ops).fill(0), errors: 0, bytes: ops * 4096, seconds };
    } },
    { scenario: `PUT 4KiB c=${c} (durable)`, ceiling: putCeiling, diskOps: disk, load: loadOf(c, async () => {
      const url = `${ep}/bench/put-${c}-${n++}`;
      const { res } = await send(url, signRequest(url, { method: "PUT", body: KiB4, unsignedPayload: true }));
      return ok(res, 4096);
    }) },
    ...(c <= 8 ? [{ scenario: `SSE-S3 PUT 4KiB c=${c} (durable)`, load: loadOf(c, async () => {
      const url = `${ep}/bench-sse/put-${c}-${sse++}`;
      const { res } = await send(url, signRequest(url, { method: "PUT", body: KiB4, unsignedPayload: true }));
      return ok(res, 4096);
    }) }] : []),
  ]);
  // Exactly the keys the PUTs made: every DELETE removes an existing object (one of a missing key
  // commits nothing, and would flatter the rate).
  await measure(`DELETE c=${c} (existing keys)`, () => runLoad({ concurrency: c, seconds: SECONDS, count: n, request: async (i) => {
    const url = `${ep}/bench/put-${c}-${i}`;
    const { res } = await send(url, signRequest(url, { method: "DELETE" }));
    return ok(res, 0);
  } }));
}

// LIST: 10,000 keys as 100 prefixes × 100 keys, rolled up by the delimiter.
await fetch(`${ep}/listing`, signRequest(`${ep}/listing`, { method: "PUT" }));
await runLoad({ concurrency: 32, seconds: 600, count: 10_000, request: async (i) => {
  const url = `${ep}/listing/p${String(Math.floor(i / 100)).padStart(3, "0")}/k${String(i % 100).padStart(3, "0")}`;
  const { res } = await send(url, signRequest(url, { method: "PUT", body: "", unsignedPayload: true }));
  return ok(res, 0);
} });
// At c=1 (one client's latency) and at c=32, the concurrency of the issue's target (5,000/s).
for (const c of [1, 32]) {
  await measure(`LIST delimiter 10k keys → 100 prefixes c=${c}`, () => runLoad({ concurrency: c, seconds: SECONDS, request: async () => {
    const url = `${ep}/listing?list-type=2&delimiter=%2F`;
    const { res, size } = await send(url, signRequest(url));
    return ok(res, size);
  } }));
}

// Large objects against raw disk in the same run.
const big = new Uint8Array(64 * MiB);
for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
const diskDir = mkdtempSync(join(tmpdir(), "bleepstore-disk-"));
const diskWrite = (() => {
  const t = performance.now();
  const fd = openSync(join(diskDir, "raw"), "w");
  for (let i = 0; i < big.length; i += MiB) writeSync(fd, big, i, MiB);
  fdatasyncSync(fd);
  closeSync(fd);
  return 64 * MiB / 1e6 / ((performance.now() - t) / 1000);
})();
// One core's MD5 rate (S3's single-PUT ETag is an MD5, and clients check it): with the disk's write
// rate, the yardstick of a large PUT is the lower of the two.
const md5Rate = Math.max(...[0, 1, 2].map(() => {
  const t = performance.now();
  new Bun.CryptoHasher("md5").update(big).digest();
  return 64 * MiB / 1e6 / ((performance.now() - t) / 1000);
}));
const bigMd5 = new Bun.CryptoHasher("md5").update(big).digest("hex");
const putYardstick = Math.min(diskWrite, md5Rate);
// The least a server can do for the same PUT here (the ceiling fixture's /floor/: write, fdatasync,
// MD5 on worker threads; its ETag checked), right before BleepStore's.
await measure("floor PUT 64MiB c=1 (bare Bun.serve: write, fdatasync, MD5 on workers)", () => runLoad({ concurrency: 1, seconds: SECONDS * 2, count: 4, request: async (i) => {
  const url = `${ceilingUrl}/floor/big-${i}`;
  const { res } = await send(url, signRequest(url, { method: "PUT", body: big, unsignedPayload: true }));
  return res.headers.get("etag") === `"${bigMd5}"` ? ok(res, big.length) : { error: `floor ETag ${res.headers.get("etag")}` };
} }), { diskMBps: putYardstick });
await measure("PUT 64MiB c=1", () => runLoad({ concurrency: 1, seconds: SECONDS * 2, count: 4, request: async (i) => {
  const url = `${ep}/bench/big-${i}`;
  const { res } = await send(url, signRequest(url, { method: "PUT", body: big, unsignedPayload: true }));
  return ok(res, big.length);
} }), { diskMBps: putYardstick });
await measure("SSE-S3 PUT 64MiB c=1", () => runLoad({ concurrency: 1, seconds: SECONDS * 2, count: 4, request: async (i) => {
  const url = `${ep}/bench-sse/big-${i}`;
  const { res } = await send(url, signRequest(url, { method: "PUT", body: big, unsignedPayload: true }));
  return ok(res, big.length);
} }));
// A raw read of the same 64 MiB in turns with the GETs and with the floor's GET of it (sendfile from
// a bare Bun.serve), each from the disk: every file read is first dropped from the page cache (else
// the "disk" read is a copy in memory, at 5-11 GB/s here, which no HTTP response approaches).
const rawScenario = "disk read 64MiB (cold, no HTTP)";
const coldGet = (evicting: () => unknown, url: string) => (seconds: number) => {
  evicting();
  return sampleLoad({ concurrency: 1, seconds, count: 1, request: async () => {
    const { res, size } = await send(url, signRequest(url));
    return ok(res, size);
  } });
};
await send(`${ceilingUrl}/floor/keep/big`, signRequest(`${ceilingUrl}/floor/keep/big`, { method: "PUT", body: big, unsignedPayload: true }));
const reads = await inTurns([
  { scenario: rawScenario, pid: 0, load: async () => {
    evict(join(diskDir, "raw"));
    const t = performance.now();
    const bytes = (await Bun.file(join(diskDir, "raw")).bytes()).length;
    return { latencies: [performance.now() - t], errors: 0, bytes, seconds: (performance.now() - t) / 1000 };
  } },
  { scenario: "floor GET 64MiB c=1 (bare Bun.serve, sendfile)", pid: 0, diskMBps: rawScenario, load: coldGet(() => evict(join(ceilingDir, "kept-big")), `${ceilingUrl}/floor/keep/big`) },
  { scenario: "GET 64MiB c=1", diskMBps: rawScenario, load: coldGet(() => evictLarge(server.dataDir, 64 * MiB), `${ep}/bench/big-0`) },
], 2 * TURNS);
const diskRead = reads.get(rawScenario)?.MBps ?? 0;
rmSync(diskDir, { recursive: true, force: true });
await measure("SSE-S3 GET 64MiB c=1", () => runLoad({ concurrency: 1, seconds: SECONDS * 2, count: 4, request: async (i) => {
  const url = `${ep}/bench-sse/big-${i % 4}`;
  const { res, size } = await send(url, signRequest(url));
  return ok(res, size);
} }));

// 256 MiB multipart in 8 MiB parts, 4 at a time; first the same 32 bodies through the floor (each a
// whole PUT there: written, fdatasync'd, hashed — all an upload's parts need; their Complete is free).
const part = big.subarray(0, 8 * MiB);
const partMd5 = new Bun.CryptoHasher("md5").update(part).digest("hex");
await measure("floor 32 x 8MiB PUTs c=4 (the multipart's parts on the bare Bun.serve)", () => runLoad({ concurrency: 4, seconds: 600, count: 32, request: async (i) => {
  const url = `${ceilingUrl}/floor/part-${i}`;
  const { res } = await send(url, signRequest(url, { method: "PUT", body: part, unsignedPayload: true }));
  return res.headers.get("etag") === `"${partMd5}"` ? ok(res, part.length) : { error: `floor ETag ${res.headers.get("etag")}` };
} }));
await measure("multipart 256MiB in 8MiB parts c=4", async () => {
  const url = `${ep}/bench/mpu`;
  const created = await (await fetch(`${url}?uploads`, signRequest(`${url}?uploads`, { method: "POST" }))).text();
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)![1]!;
  const etags: string[] = [];
  const result = await runLoad({ concurrency: 4, seconds: 600, count: 32, request: async (i) => {
    const u = `${url}?partNumber=${i + 1}&uploadId=${uploadId}`;
    const { res } = await send(u, signRequest(u, { method: "PUT", body: part, unsignedPayload: true }));
    etags[i] = res.headers.get("etag") ?? "";
    return ok(res, part.length);
  } });
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
  const t = performance.now();
  const done = await fetch(`${url}?uploadId=${uploadId}`, signRequest(`${url}?uploadId=${uploadId}`, { method: "POST", body: xml }));
  if (!done.ok) result.errors++;
  await done.arrayBuffer();
  const seconds = result.seconds + (performance.now() - t) / 1000;
  return { ...result, seconds: +seconds.toFixed(2), MBps: +(256 * MiB / 1e6 / seconds).toFixed(1) };
});

ceiling.kill("SIGTERM");
console.log(`\nraw disk here: write ${diskWrite.toFixed(0)} MB/s (fdatasync), read ${diskRead.toFixed(0)} MB/s (cold, in turns with the 64 MiB GETs); one core's MD5 ${md5Rate.toFixed(0)} MB/s;` +
  ` large-PUT yardstick (the lower) ${putYardstick.toFixed(0)} MB/s ("vs disk" of PUT 64MiB is against it)\n`);
console.log("| scenario | ops/s | MB/s | p50 ms | p99 ms | errors | vs ceiling | vs disk | server CPU % | CPU µs/request | server peak RSS MiB |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  const x = r.result;
  console.log(`| ${r.scenario} | ${x.opsPerSec} | ${x.MBps} | ${x.p50ms} | ${x.p99ms} | ${x.errors}${x.firstError ? ` (${x.firstError})` : ""} | ${r.ceilingRatio ?? ""} | ${r.diskRatio ?? ""} | ${r.serverCpuPct} | ${r.cpuUsPerReq ?? ""} | ${r.serverPeakRssMiB} |`);
}

// Encryption's cost: each SSE-S3 scenario against its plaintext twin of this run.
const encrypted = rows.filter((r) => r.scenario.startsWith("SSE-S3 "));
if (encrypted.length > 0) {
  console.log("\n| SSE-S3 scenario | encrypted | plaintext | ratio |");
  console.log("|---|---|---|---|");
  for (const r of encrypted) {
    const plain = rows.find((p) => p.scenario === r.scenario.slice("SSE-S3 ".length));
    if (!plain) continue;
    const big = r.scenario.includes("64MiB");
    const [e, p] = big ? [r.result.MBps, plain.result.MBps] : [r.result.opsPerSec, plain.result.opsPerSec];
    console.log(`| ${r.scenario} | ${e} ${big ? "MB/s" : "ops/s"} | ${p} | ${p ? (e / p).toFixed(2) : ""} |`);
  }
}

// The targets, each as a ratio within this run.
const find = (name: string) => rows.find((r) => r.scenario === name);
// A goal below 0 is "at most" its absolute value (CPU per request against the floor's).
const targets: Array<[string, number | undefined, number]> = [];
for (const op of ["GET", "HEAD"]) {
  const mine = find(`${op} 4KiB c=32 (beside the floor)`);
  const floor = find(op === "GET" ? "S3 floor GET 4KiB c=32 (SigV4 verified, from memory)" : "S3 floor HEAD 4KiB c=32");
  const cpu = mine?.cpuUsPerReq && floor?.cpuUsPerReq ? +(mine.cpuUsPerReq / floor.cpuUsPerReq).toFixed(2) : undefined;
  targets.push([`${op} 4KiB c=32 CPU per request / the S3 floor's`, cpu, -1.15]);
  targets.push([`${op} 4KiB c=32 ops/s / the S3 floor's`, mine && floor ? +(mine.result.opsPerSec / floor.result.opsPerSec).toFixed(2) : undefined, 0.85]);
}
for (const g of ["", " [bun]", " [aws-sdk]"]) {
  targets.push([`GET 4KiB c=32${g} / its ceiling`, find(`GET 4KiB c=32${g}`)?.ceilingRatio, 0.8]);
  targets.push([`HEAD 4KiB c=32${g} / its ceiling`, find(`HEAD 4KiB c=32${g}`)?.ceilingRatio, 0.8]);
}
const logsOn = find("GET 4KiB c=32")?.result.opsPerSec;
const logsOff = find("GET 4KiB c=32 (request logs off)")?.result.opsPerSec;
targets.push(["GET 4KiB c=32 with request logs / without", logsOn && logsOff ? +(logsOn / logsOff).toFixed(2) : undefined, 0.95]);
targets.push(["PUT 4KiB durable c=32 / the disk's durable writes at 32", find("PUT 4KiB c=32 (durable)")?.diskRatio, 0.8]);
const deletes = find("DELETE c=8 (existing keys)");
const disk8 = find("disk ceiling for PUT 4KiB c=8: durable writes, no HTTP");
targets.push(["DELETE c=8 (existing keys) / the disk's durable writes at 8", deletes && disk8 ? +(deletes.result.opsPerSec / disk8.result.opsPerSec).toFixed(2) : undefined, 0.8]);
const list = find("LIST delimiter 10k keys → 100 prefixes c=32");
targets.push(["LIST 10k keys → 100 prefixes c=32, ops/s / 5,000", list ? +(list.result.opsPerSec / 5000).toFixed(2) : undefined, 1]);
targets.push(["PUT 64MiB / min(disk write, MD5)", find("PUT 64MiB c=1")?.diskRatio, 0.8]);
targets.push(["GET 64MiB / disk read", find("GET 64MiB c=1")?.diskRatio, 0.9]);
const mpu = find("multipart 256MiB in 8MiB parts c=4");
targets.push(["multipart 256MiB / disk write", mpu ? +(mpu.result.MBps / diskWrite).toFixed(2) : undefined, 0.7]);
const measured = targets.filter(([, r]) => r !== undefined);
// What this machine allows: the floor server's own ratios against the same yardsticks.
const floorPut = find("floor PUT 64MiB c=1 (bare Bun.serve: write, fdatasync, MD5 on workers)");
const floorParts = find("floor 32 x 8MiB PUTs c=4 (the multipart's parts on the bare Bun.serve)");
const floorGet = find("floor GET 64MiB c=1 (bare Bun.serve, sendfile)");
const relative = (a: Row | undefined, b: Row | undefined) => (a && b ? +(a.result.MBps / b.result.MBps).toFixed(2) : undefined);
const floors: Array<[string, number | undefined]> = [
  ["floor PUT 64MiB / min(disk write, MD5)", floorPut?.diskRatio],
  ["floor 8MiB parts c=4 / disk write", floorParts ? +(floorParts.result.MBps / diskWrite).toFixed(2) : undefined],
  ["PUT 64MiB / floor PUT 64MiB", relative(find("PUT 64MiB c=1"), floorPut)],
  ["floor GET 64MiB / disk read", floorGet?.diskRatio],
  ["GET 64MiB / floor GET 64MiB", relative(find("GET 64MiB c=1"), floorGet)],
  ["multipart 256MiB / floor parts", relative(mpu, floorParts)],
];
if (measured.length > 0) {
  console.log("\n| target | ratio | goal | met |");
  console.log("|---|---|---|---|");
  for (const [name, ratio, goal] of measured) {
    console.log(`| ${name} | ${ratio} | ${goal < 0 ? `≤ ${-goal}` : `≥ ${goal}`} | ${(goal < 0 ? ratio! <= -goal : ratio! >= goal) ? "yes" : "no"} |`);
  }
}
const floorsMeasured = floors.filter(([, r]) => r !== undefined);
if (floorsMeasured.length > 0) {
  console.log("\nWhat this machine allows (the floor: a bare server doing only what S3 requires of these bodies):\n");
  console.log("| ratio | value |");
  console.log("|---|---|");
  for (const [name, ratio] of floorsMeasured) console.log(`| ${name} | ${ratio} |`);
}

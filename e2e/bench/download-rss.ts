// Benchmark: the server's peak resident memory while it serves downloads, each case measured from a
// reset high-water mark (VmHWM, reset through /proc/<pid>/clear_refs, so the peak cannot be missed
// between samples): `aws s3 cp` of a large object (the AWS CLI v2: 8 MiB ranged GETs, 10 at a time),
// ten parallel 8 MiB ranged GETs, and 32 concurrent 4 KiB GETs spread over many small objects.
// Usage: bun e2e/bench/download-rss.ts [--size-mib N] [--objects N]   (npm run bench:download-rss;
// defaults 1024 MiB and 100,000 objects; loopback only)
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AWS_CLI, hasAwsCli } from "../helpers/awscli.ts";
import { ACCESS_KEY, SECRET_KEY, startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { runLoad } from "./load.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { "size-mib": { type: "string", default: "1024" }, objects: { type: "string", default: "100000" } } });
const MiB = 1024 * 1024;
const size = Number(values["size-mib"]) * MiB;
const objects = Number(values.objects);

const peakMiB = (pid: number) => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024);
const resetPeak = (pid: number) => writeFileSync(`/proc/${pid}/clear_refs`, "5");

const work = mkdtempSync(join(tmpdir(), "bleepstore-download-rss-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
await using server = await startServer({ args: ["--workers", "1", "--log-level", "warn"] });
const ep = server.endpoint;
const pid = server.pid();
await fetch(`${ep}/bench`, signRequest(`${ep}/bench`, { method: "PUT" }));

// The large object, streamed up from a 1 MiB block repeated with a counter in each (incompressible enough).
const block = crypto.getRandomValues(new Uint8Array(MiB));
let sent = 0;
const body = new ReadableStream<Uint8Array>({
  pull(c) {
    if (sent >= size) return c.close();
    const chunk = block.slice(0, Math.min(MiB, size - sent));
    new DataView(chunk.buffer).setUint32(0, sent / MiB);
    sent += chunk.length;
    c.enqueue(chunk);
  },
});
const signed = signRequest(`${ep}/bench/big.bin`, { method: "PUT", unsignedPayload: true });
const put = await fetch(`${ep}/bench/big.bin`, { ...signed, body, headers: { ...signed.headers, "content-length": String(size) } });
if (!put.ok) throw new Error(`PUT ${put.status}`);
const idle = peakMiB(pid);
const rows: Array<[string, number, string]> = [];

// 1. aws s3 cp (the CLI's own parallel ranged download).
if (hasAwsCli) {
  resetPeak(pid);
  const t = performance.now();
  const out = join(work, "big.bin");
  const r = Bun.spawnSync([AWS_CLI, "--endpoint-url", ep, "s3", "cp", "s3://bench/big.bin", out], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_DEFAULT_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true" },
  });
  if (r.exitCode !== 0 || !existsSync(out)) throw new Error(`aws s3 cp failed: ${r.stderr.toString()}`);
  rows.push([`aws s3 cp download of ${size / MiB} MiB`, peakMiB(pid), `${(size / 1e6 / ((performance.now() - t) / 1000)).toFixed(0)} MB/s`]);
  rmSync(out);
} else rows.push(["aws s3 cp download", 0, "skipped: no AWS CLI v2 (apt-get install awscli)"]);

// 2. Ten parallel 8 MiB ranged GETs.
resetPeak(pid);
const t2 = performance.now();
await Promise.all(Array.from({ length: 10 }, async (_, i) => {
  const start = (i * 8 * MiB) % Math.max(size - 8 * MiB, 1);
  const url = `${ep}/bench/big.bin`;
  const res = await fetch(url, signRequest(url, { headers: { range: `bytes=${start}-${start + 8 * MiB - 1}` } }));
  let n = 0;
  for await (const chunk of res.body!) n += chunk.byteLength;
  if (res.status !== 206 || n !== 8 * MiB) throw new Error(`ranged GET: ${res.status}, ${n} bytes`);
}));
rows.push(["ten parallel 8 MiB ranged GETs", peakMiB(pid), `${(80 * MiB / 1e6 / ((performance.now() - t2) / 1000)).toFixed(0)} MB/s`]);

// 3. 32 concurrent 4 KiB GETs over many objects.
const small = new Uint8Array(4096).fill(120);
await runLoad({ concurrency: 32, seconds: 3600, count: objects, request: async (i) => {
  const url = `${ep}/bench/s/${i}`;
  const res = await fetch(url, signRequest(url, { method: "PUT", body: small, unsignedPayload: true }));
  await res.arrayBuffer();
  return res.ok ? 0 : { error: String(res.status) };
} });
// A fresh process on the same data for the reads: what the PUTs left on the heap is not theirs.
await server.kill9();
await server.restart();
const readerPid = server.pid();
const reader = server.endpoint;
const startedMiB = peakMiB(readerPid);
resetPeak(readerPid);
const got = await runLoad({ concurrency: 32, seconds: 10, request: async () => {
  const url = `${reader}/bench/s/${Math.floor(Math.random() * objects)}`;
  const res = await fetch(url, signRequest(url));
  const n = (await res.arrayBuffer()).byteLength;
  return res.ok ? n : { error: String(res.status) };
} });
rows.push([`32 concurrent 4 KiB GETs over ${objects.toLocaleString("en")} objects (10 s, a fresh process at ${startedMiB} MiB)`, peakMiB(readerPid), `${got.opsPerSec} ops/s, ${got.errors} errors`]);

console.log(JSON.stringify({ bench: "download-rss", idlePeakMiB: idle, rows }));
console.log(`\nserver peak RSS before the downloads (after the uploads): ${idle} MiB\n`);
console.log("| case | server peak RSS MiB | rate |");
console.log("|---|---|---|");
for (const [name, peak, rate] of rows) console.log(`| ${name} | ${peak} | ${rate} |`);

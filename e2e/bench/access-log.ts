// The cost of server access logging (npm run bench -- --access-log): GET 4 KiB at c=32 from a bucket whose
// requests are logged (a record spooled before each answer, shipped every second) beside one that is not,
// on one server, in alternating turns: the ratio of their ops/s and the server's CPU per request for each.
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { cpuSeconds } from "./cpu.ts";
import { sampleLoad, summarize, type LoadSample } from "./load.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "6" } }, strict: false });
const SECONDS = Number(values.seconds);
const TURNS = 6;

await using server = await startServer({ args: ["--log-level", "error"], env: { BLEEPSTORE_ACCESS_LOGS_FLUSH_SECONDS: "1" } });
const ep = server.endpoint;
for (const bucket of ["logged", "unlogged", "logs"]) await fetch(`${ep}/${bucket}`, signRequest(`${ep}/${bucket}`, { method: "PUT" }));
for (const bucket of ["logged", "unlogged"]) await benchClient.put(ep, bucket, "small", new Uint8Array(4096).fill(97));
const on = `<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>logged/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`;
const put = await fetch(`${ep}/logged?logging`, signRequest(`${ep}/logged?logging`, { method: "PUT", body: on }));
if (put.status !== 200) throw new Error(`PutBucketLogging: ${put.status} ${await put.text()}`);

const sides = ["logged", "unlogged"];
const samples = new Map<string, LoadSample[]>(sides.map((s) => [s, []]));
const cpu = new Map<string, number>(sides.map((s) => [s, 0]));
for (let t = 0; t < TURNS; t++) {
  for (const bucket of sides) {
    const before = cpuSeconds(server.pid());
    samples.get(bucket)!.push(await sampleLoad({ concurrency: 32, seconds: SECONDS / TURNS, request: () => benchClient.get(ep, bucket, "small") }));
    cpu.set(bucket, cpu.get(bucket)! + cpuSeconds(server.pid()) - before);
  }
}
const rows = sides.map((bucket) => {
  const r = summarize(...samples.get(bucket)!);
  return { scenario: `GET 4KiB c=32 ${bucket === "logged" ? "access logging on" : "access logging off"}`, ...r, serverCpuUsPerRequest: Math.round((cpu.get(bucket)! * 1e6) / Math.max(1, r.ops)) };
});
for (const r of rows) console.log(JSON.stringify({ bench: "access-log", ...r }));
console.log("\n| scenario | ops/s | p99 ms | errors | server CPU µs/request |\n|---|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.scenario} | ${r.opsPerSec} | ${r.p99ms} | ${r.errors} | ${r.serverCpuUsPerRequest} |`);
console.log(`\non / off: ${(rows[0]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)}`);

// The cost of the access decision (npm run bench -- --policy): GET 4 KiB at c=32 from a bucket with a
// 10-statement bucket policy (one with an IpAddress condition) beside a bucket with none, on one server,
// in alternating turns: the ratio of their ops/s and the server's CPU per request for each. Target ≥ 0.9.
import { cpuSeconds } from "./cpu.ts";
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { sampleLoad, summarize, type LoadSample } from "./load.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "6" } }, strict: false });
const SECONDS = Number(values.seconds);
const TURNS = 6;
const KiB4 = new Uint8Array(4096).fill(97);

await using server = await startServer({ args: ["--log-level", "error"] });
const ep = server.endpoint;
for (const bucket of ["with-policy", "without-policy"]) {
  await fetch(`${ep}/${bucket}`, signRequest(`${ep}/${bucket}`, { method: "PUT" }));
  await benchClient.put(ep, bucket, "small", KiB4);
}
const arn = "arn:aws:s3:::with-policy";
const statements = [
  { Sid: "FromLoopback", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*`, Condition: { IpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1/128"] } } },
  ...Array.from({ length: 8 }, (_, i) => ({ Sid: `Prefix${i}`, Effect: "Allow", Principal: { AWS: `AKIAEXAMPLE${i}` }, Action: ["s3:GetObject", "s3:PutObject"], Resource: `${arn}/team${i}/*` })),
  { Sid: "NoDeletes", Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: `${arn}/archive/*` },
];
const policy = JSON.stringify({ Version: "2012-10-17", Statement: statements });
const put = await fetch(`${ep}/with-policy?policy`, signRequest(`${ep}/with-policy?policy`, { method: "PUT", body: policy }));
if (put.status !== 204) throw new Error(`PutBucketPolicy: ${put.status}`);

const sides = ["with-policy", "without-policy"];
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
  return { scenario: `GET 4KiB c=32 ${bucket === "with-policy" ? "10-statement policy" : "no policy"}`, ...r, serverCpuUsPerRequest: Math.round((cpu.get(bucket)! * 1e6) / Math.max(1, r.ops)) };
});
for (const r of rows) console.log(JSON.stringify({ bench: "policy", ...r }));
console.log("\n| scenario | ops/s | p99 ms | errors | server CPU µs/request |\n|---|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.scenario} | ${r.opsPerSec} | ${r.p99ms} | ${r.errors} | ${r.serverCpuUsPerRequest} |`);
console.log(`\nwith / without: ${(rows[0]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)} (target ≥ 0.9)`);

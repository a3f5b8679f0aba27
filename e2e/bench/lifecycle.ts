// The lifecycle pass's pacing (npm run bench -- --lifecycle): GET 4 KiB at c=32 while a pass scans a
// bucket of 100,000 objects (a rule every object matches and none is due: every version examined,
// nothing deleted) beside GET with no pass running, on one server, in alternating turns. Target ≥ 0.9.
// Also: how long one pass over the 100,000 takes on its own (the price of the pacing).
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { cpuSeconds } from "./cpu.ts";
import { sampleLoad, summarize, type LoadSample } from "./load.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "12" }, objects: { type: "string", default: "100000" } }, strict: false });
const SECONDS = Number(values.seconds);
const OBJECTS = Number(values.objects);
const TURNS = 6;
const TOKEN = "bench-lifecycle";

await using server = await startServer({
  args: ["--log-level", "error"], env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_LIFECYCLE_INTERVAL_SECONDS: "86400" },
});
const ep = server.endpoint;
const signed = (path: string, o: Parameters<typeof signRequest>[1] = {}) => fetch(`${ep}${path}`, signRequest(`${ep}${path}`, o));
for (const bucket of ["scanned", "hot"]) await signed(`/${bucket}`, { method: "PUT" });
await benchClient.put(ep, "hot", "small", new Uint8Array(4096).fill(97));
const filled = performance.now();
let next = 0;
await Promise.all(Array.from({ length: 64 }, async () => {
  for (let i = next++; i < OBJECTS; i = next++) await benchClient.put(ep, "scanned", `k/${String(i).padStart(7, "0")}`, new Uint8Array(16));
}));
console.error(`${OBJECTS} objects written in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
const rules = `<LifecycleConfiguration><Rule><ID>far</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>36500</Days></Expiration></Rule></LifecycleConfiguration>`;
const put = await signed("/scanned?lifecycle", { method: "PUT", body: rules });
if (put.status !== 200) throw new Error(`PutBucketLifecycleConfiguration: ${put.status} ${await put.text()}`);

const pass = async () => {
  const res = await fetch(`${ep}/_bleepstore/admin/lifecycle/run?bucket=scanned`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok) throw new Error(`lifecycle run: ${res.status} ${await res.text()}`);
};
const alone = performance.now();
await pass();
const passSeconds = (performance.now() - alone) / 1000;

const sides = ["during a pass", "no pass"] as const;
const samples = new Map<string, LoadSample[]>(sides.map((s) => [s, []]));
const cpu = new Map<string, number>(sides.map((s) => [s, 0]));
let passes = 0;
for (let t = 0; t < TURNS; t++) {
  for (const side of sides) {
    let running = true;
    // Passes back to back for the whole turn.
    const scanning = side === "no pass" ? Promise.resolve() : (async () => {
      while (running) {
        await pass();
        passes++;
      }
    })();
    const before = cpuSeconds(server.pid());
    samples.get(side)!.push(await sampleLoad({ concurrency: 32, seconds: SECONDS / TURNS, request: () => benchClient.get(ep, "hot", "small") }));
    cpu.set(side, cpu.get(side)! + cpuSeconds(server.pid()) - before);
    running = false;
    await scanning;
  }
}
const rows = sides.map((side) => {
  const r = summarize(...samples.get(side)!);
  return { scenario: `GET 4KiB c=32 ${side}`, ...r, serverCpuUsPerRequest: Math.round((cpu.get(side)! * 1e6) / Math.max(1, r.ops)) };
});
for (const r of rows) console.log(JSON.stringify({ bench: "lifecycle", ...r }));
console.log(`\n| scenario | ops/s | p99 ms | errors | server CPU µs/request |\n|---|---:|---:|---:|---:|`);
for (const r of rows) console.log(`| ${r.scenario} | ${r.opsPerSec} | ${r.p99ms} | ${r.errors} | ${r.serverCpuUsPerRequest} |`);
console.log(`\none pass over ${OBJECTS} objects alone: ${passSeconds.toFixed(1)} s; passes during the measured turns: ${passes}`);
console.log(`during a pass / no pass: ${(rows[0]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)} (target ≥ 0.9)`);

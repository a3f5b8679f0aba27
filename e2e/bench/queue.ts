// The queue benchmark (npm run bench -- --queue redis|rabbitmq|nats|webhook): PUT 4 KiB at c=32 against
// two servers in the same run, one publishing every event to a real broker started here on loopback
// (write-through) and one with no queue, in alternating turns; the ratio of their ops/s, each one's CPU
// per request, and the delivery lag (commit to the broker's confirmation) p50/p99 from the server's
// own bleepstore_queue_latency_ms. Targets: ratio ≥ 0.8, lag p99 < 100 ms. Beside them, the broker's
// own CPU per request while the events-on side runs: the broker shares the machine's cores with the
// server and the load generator, so what it spends per message is throughput the server cannot have.
// --alone runs the two servers one after the other instead (all turns of events on, then of events
// off, each with only its own server up): the server's own cost of events without the other server
// sharing the cores.
import { cpuSeconds } from "./cpu.ts";
import { parseArgs } from "node:util";
import { startBroker, type BrokerKind } from "../helpers/brokers.ts";
import { queueEnv } from "../helpers/event-suite.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { sampleLoad, summarize, type LoadSample } from "./load.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    queue: { type: "string" }, seconds: { type: "string", default: "6" }, concurrency: { type: "string", default: "32" }, alone: { type: "boolean", default: false },
  },
  strict: false,
});
const kind = String(values.queue) as BrokerKind;
if (!["redis", "rabbitmq", "nats", "webhook"].includes(kind)) throw new Error(`--queue must be redis, rabbitmq, nats or webhook (got ${kind})`);
const SECONDS = Number(values.seconds);
const C = Number(values.concurrency);
const TURNS = 6;
const KiB4 = new Uint8Array(4096).fill(97);


await using broker = await startBroker(kind);

async function prepare(server: TestServer): Promise<void> {
  const res = await fetch(`${server.endpoint}/bench`, signRequest(`${server.endpoint}/bench`, { method: "PUT" }));
  if (!res.ok) throw new Error(`create bucket: ${res.status}`);
}

interface Side { name: string; events: boolean; server?: TestServer }
const sides: Side[] = [{ name: "events on", events: true }, { name: "events off", events: false }];
const samples = new Map<string, LoadSample[]>(sides.map((s) => [s.name, []]));
const cpu = new Map<string, number>(sides.map((s) => [s.name, 0]));
const brokerPid = broker.pid();
let brokerCpu = 0;
let n = 0;

async function up(side: Side): Promise<TestServer> {
  side.server = await startServer({ ...(side.events ? { env: queueEnv(broker, "bench") } : {}), args: ["--log-level", "error"] });
  await prepare(side.server);
  return side.server;
}

async function turn(side: Side, seconds: number): Promise<void> {
  const server = side.server!;
  const before = cpuSeconds(server.pid());
  const brokerBefore = side.events && brokerPid ? cpuSeconds(brokerPid) : 0;
  samples.get(side.name)!.push(await sampleLoad({
    concurrency: C, seconds,
    request: async () => {
      await benchClient.put(server.endpoint, "bench", `k${n++ % 10_000}`, KiB4);
      return KiB4.length;
    },
  }));
  cpu.set(side.name, cpu.get(side.name)! + cpuSeconds(server.pid()) - before);
  if (side.events && brokerPid) brokerCpu += cpuSeconds(brokerPid) - brokerBefore;
}

// The lag once the load has stopped and the queue caught up: the last 1,024 events' commit-to-confirmation times.
async function caughtUpMetrics(server: TestServer): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const metrics = await (await fetch(`${server.endpoint}/metrics`)).text();
    if (/bleepstore_queue_pending\{[^}]*\} 0\b/.test(metrics) || Date.now() > deadline) return metrics;
    await Bun.sleep(200);
  }
}

let metrics = "";
try {
  if (values.alone) {
    for (const side of sides) {
      const server = await up(side);
      for (let t = 0; t < TURNS; t++) await turn(side, SECONDS / TURNS);
      if (side.events) metrics = await caughtUpMetrics(server);
      await server[Symbol.asyncDispose]();
      side.server = undefined;
    }
  } else {
    for (const side of sides) await up(side);
    for (let t = 0; t < TURNS; t++) for (const side of sides) await turn(side, SECONDS / TURNS);
    metrics = await caughtUpMetrics(sides[0]!.server!);
  }
} finally {
  for (const side of sides) await side.server?.[Symbol.asyncDispose]();
}
const quantile = (q: string) => Number(new RegExp(`bleepstore_queue_latency_ms\\{[^}]*quantile="${q}"\\} (\\S+)`).exec(metrics)?.[1] ?? NaN);

const results = sides.map((side) => {
  const r = summarize(...samples.get(side.name)!);
  return { scenario: `PUT 4KiB c=${C} ${side.name}`, ...r, serverCpuUsPerRequest: +((cpu.get(side.name)! * 1e6) / Math.max(1, r.ops)).toFixed(0) };
});
const ratio = +(results[0]!.opsPerSec / results[1]!.opsPerSec).toFixed(2);
const lag = { p50ms: quantile("0.5"), p99ms: quantile("0.99") };
const brokerCpuUsPerRequest = brokerPid ? +((brokerCpu * 1e6) / Math.max(1, results[0]!.ops)).toFixed(0) : undefined;
for (const r of results) console.log(JSON.stringify({ bench: "queue", queue: kind, ...r }));
console.log(JSON.stringify({ bench: "queue", queue: kind, ratio, lag, brokerCpuUsPerRequest }));
console.log(`\n| ${kind}${values.alone ? " (alone)" : ""} | ops/s | p50 ms | p99 ms | errors | server CPU µs/request |`);
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of results) console.log(`| ${r.scenario} | ${r.opsPerSec} | ${r.p50ms} | ${r.p99ms} | ${r.errors} | ${r.serverCpuUsPerRequest} |`);
console.log(`\nevents on / off: ${ratio} (target ≥ 0.8); delivery lag p50 ${lag.p50ms} ms, p99 ${lag.p99ms} ms (target p99 < 100 ms)`);
if (brokerCpuUsPerRequest !== undefined) {
  const extra = results[0]!.serverCpuUsPerRequest - results[1]!.serverCpuUsPerRequest;
  console.log(`per event: the server spends ${extra} µs of CPU more than with events off, the ${kind} broker ${brokerCpuUsPerRequest} µs of its own`);
}

// The cluster benchmark (npm run bench -- --cluster N): N BleepStore nodes in cluster mode on an etcd
// of min(N, 3) members and one shared object directory, behind HAProxy (round robin), beside one
// embedded node (sqlite, local disk) in the same run, in alternating turns: PUT and GET 4 KiB at c=32
// and LIST (1,000 keys, delimiter) at c=4. On this 2-core machine every process shares the same cores,
// so the figures say what the cluster's per-request work costs here, not what N machines would do.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startEtcd } from "../helpers/etcd.ts";
import { startHaproxy } from "../helpers/haproxy.ts";
import { sharedMasterKey } from "../helpers/master-key.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { sampleLoad, summarize, type LoadSample } from "./load.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { cluster: { type: "string" }, seconds: { type: "string", default: "6" } }, strict: false });
const N = Number(values.cluster);
if (!(N >= 1 && N <= 5)) throw new Error(`--cluster takes 1 to 5 nodes (got ${values.cluster})`);
const SECONDS = Number(values.seconds);
const TURNS = 3;
const KiB4 = new Uint8Array(4096).fill(97);

await using etcd = await startEtcd(Math.min(N, 3));
const shared = mkdtempSync(join(tmpdir(), "bleepstore-bench-shared-"));
process.on("exit", () => rmSync(shared, { recursive: true, force: true }));
const master = sharedMasterKey(shared);
const nodes: TestServer[] = [];
for (let i = 0; i < N; i++) {
  nodes.push(await startServer({
    args: ["--log-level", "error"],
    env: {
      BLEEPSTORE_METADATA_ENGINE: "etcd", BLEEPSTORE_METADATA_ETCD_ENDPOINTS: etcd.endpoints.join(","), BLEEPSTORE_METADATA_ETCD_PREFIX: "bench",
      BLEEPSTORE_STORAGE_LOCAL_ROOT_DIR: shared, BLEEPSTORE_CLUSTER_ENABLED: "true", BLEEPSTORE_CLUSTER_NODE_ID: `n${i}`, ...master,
    },
  }));
}
await using balancer = await startHaproxy(nodes.map((n) => n.endpoint));
await using embedded = await startServer({ args: ["--log-level", "error"] });

const targets = [{ name: `cluster of ${N} behind HAProxy`, endpoint: balancer.endpoint }, { name: "one embedded node", endpoint: embedded.endpoint }];
for (const t of targets) {
  await fetch(`${t.endpoint}/bench`, signRequest(`${t.endpoint}/bench`, { method: "PUT" }));
  for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => benchClient.put(t.endpoint, "bench", `p${String((i + j) % 10).padStart(2, "0")}/k${i + j}`, KiB4)));
  await benchClient.put(t.endpoint, "bench", "small", KiB4);
}

const scenarios: Array<{ name: string; concurrency: number; request: (endpoint: string, i: number) => Promise<number> }> = [
  { name: "PUT 4KiB c=32", concurrency: 32, request: async (ep, i) => (await benchClient.put(ep, "bench", `w${i % 1000}`, KiB4), 4096) },
  { name: "GET 4KiB c=32", concurrency: 32, request: (ep) => benchClient.get(ep, "bench", "small") },
  {
    name: "LIST 1,000 keys → 10 prefixes c=4", concurrency: 4,
    request: async (ep) => {
      const url = `${ep}/bench?list-type=2&delimiter=%2F`;
      const res = await fetch(url, signRequest(url));
      if (!res.ok) throw new Error(`LIST ${res.status}`);
      return (await res.arrayBuffer()).byteLength;
    },
  },
];

console.log(`\n| ${N} node(s): scenario | target | ops/s | p50 ms | p99 ms | errors |`);
console.log("|---|---|---:|---:|---:|---:|");
for (const s of scenarios) {
  const samples = new Map<string, LoadSample[]>(targets.map((t) => [t.name, []]));
  for (let turn = 0; turn < TURNS; turn++) {
    for (const t of targets) {
      let i = 0;
      samples.get(t.name)!.push(await sampleLoad({ concurrency: s.concurrency, seconds: SECONDS / TURNS, request: () => s.request(t.endpoint, i++) }));
    }
  }
  for (const t of targets) {
    const r = summarize(...samples.get(t.name)!);
    console.log(JSON.stringify({ bench: "cluster", nodes: N, scenario: s.name, target: t.name, ...r }));
    console.log(`| ${s.name} | ${t.name} | ${r.opsPerSec} | ${r.p50ms} | ${r.p99ms} | ${r.errors} |`);
  }
}
for (const n of nodes) await n[Symbol.asyncDispose]();

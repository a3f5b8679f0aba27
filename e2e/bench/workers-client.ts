// One load-generating process of the workers benchmark (workers.ts): runs one scenario against an
// endpoint and prints its unsummarized sample as JSON. Several of these share a load, so that on a
// machine with many cores the load generator is not one JavaScript thread.
// Usage: bun e2e/bench/workers-client.ts '<json: {endpoint, op, concurrency, seconds, from, count}>'
import { signRequest } from "../helpers/sign.ts";
import { sampleLoad } from "./load.ts";

interface Spec { endpoint: string; op: "GET" | "HEAD" | "PUT" | "DELETE" | "LIST"; concurrency: number; seconds: number; from: number; count?: number }
const spec = JSON.parse(Bun.argv[2]!) as Spec;
const KiB4 = new Uint8Array(4096).fill(97);
const url = (path: string) => `${spec.endpoint}${path}`;

async function request(i: number): Promise<number | { error: string }> {
  const path = spec.op === "LIST" ? "/bench-workers?list-type=2&delimiter=%2F&prefix="
    : spec.op === "PUT" || spec.op === "DELETE" ? `/bench-workers/put/${spec.from + i}` : "/bench-workers/small";
  const u = url(path);
  const init = spec.op === "PUT" ? signRequest(u, { method: "PUT", body: KiB4, unsignedPayload: true }) : signRequest(u, { method: spec.op === "LIST" ? "GET" : spec.op });
  const res = await fetch(u, init);
  const size = (await res.arrayBuffer()).byteLength;
  return res.ok ? size : { error: String(res.status) };
}

const sample = await sampleLoad({ concurrency: spec.concurrency, seconds: spec.seconds, ...(spec.count !== undefined ? { count: spec.count } : {}), request });
process.stdout.write(`${JSON.stringify(sample)}\n`);

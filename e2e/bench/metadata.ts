// The metadata engines side by side (npm run bench -- --metadata local,dynamodb,firestore,cosmos): PUT,
// GET, HEAD and LIST ops/s through a real server on each engine, sqlite first, in the same run. The
// cloud engines run against their emulators, started here, so their figures compare engines on this
// machine, not cloud services.
import { parseArgs } from "node:util";
import { startCosmosEmulator } from "../helpers/cosmos-emulator.ts";
import { startDynamoDbLocal } from "../helpers/dynamodb-local.ts";
import { startFirestoreEmulator } from "../helpers/firestore-emulator.ts";
import { ISOLATED } from "../helpers/isolated.ts";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { runLoad, type LoadResult } from "./load.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { metadata: { type: "string" }, seconds: { type: "string", default: "3" }, concurrency: { type: "string", default: "8" } },
  strict: false,
});
const SECONDS = Number(values.seconds);
const C = Number(values.concurrency);
const engines = ["sqlite", ...String(values.metadata).split(",").filter((e) => e && e !== "sqlite")];
const KiB4 = new Uint8Array(4096).fill(97);

// DynamoDB Local listens on every interface: the whole benchmark reruns itself in a network
// namespace with only loopback (as the tests do; needs root).
if (engines.includes("dynamodb") && !ISOLATED) {
  const proc = Bun.spawn(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], { stdout: "inherit", stderr: "inherit" });
  process.exit(await proc.exited);
}

/** Starts the engine's emulator (for cloud engines) and says how a server reaches it. */
async function engineEnv(engine: string): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const env = { BLEEPSTORE_METADATA_ENGINE: engine };
  switch (engine) {
    case "dynamodb": {
      const e = await startDynamoDbLocal();
      return { env: { ...env, ...e.env, BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: e.endpoint }, stop: async () => { await e[Symbol.asyncDispose](); } };
    }
    case "firestore": {
      const e = await startFirestoreEmulator();
      return { env: { ...env, ...e.env, BLEEPSTORE_METADATA_FIRESTORE_ENDPOINT: e.host, BLEEPSTORE_METADATA_FIRESTORE_PROJECT: "demo-bench" }, stop: async () => { await e[Symbol.asyncDispose](); } };
    }
    case "cosmos": {
      const e = await startCosmosEmulator();
      return { env: { ...env, BLEEPSTORE_METADATA_COSMOS_CONNECTION_STRING: e.connectionString }, stop: async () => { await e[Symbol.asyncDispose](); } };
    }
    default:
      return { env, stop: async () => {} };
  }
}

async function engineRow(engine: string): Promise<Record<string, LoadResult>> {
  const emulator = await engineEnv(engine);
  await using _stop = { [Symbol.asyncDispose]: emulator.stop };
  await using server = await startServer({ args: ["--log-level", "error"], env: emulator.env });
  const ep = server.endpoint;
  const ok = async (res: Response) => {
    const size = (await res.arrayBuffer()).byteLength;
    return res.ok ? size : { error: `${res.status}` };
  };
  await fetch(`${ep}/bench`, signRequest(`${ep}/bench`, { method: "PUT" }));
  // 1,000 keys under 10 prefixes to list and read.
  for (let i = 0; i < 1000; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => fetch(`${ep}/bench/d${(i + j) % 10}/k${i + j}`, signRequest(`${ep}/bench/d${(i + j) % 10}/k${i + j}`, { method: "PUT", body: KiB4 }))));
  }
  const row: Record<string, LoadResult> = {};
  row.PUT = await runLoad({ concurrency: C, seconds: SECONDS, request: async (i) => {
    const url = `${ep}/bench/put/${i % 5000}`;
    return ok(await fetch(url, signRequest(url, { method: "PUT", body: KiB4, unsignedPayload: true })));
  } });
  row.GET = await runLoad({ concurrency: C, seconds: SECONDS, request: async (i) => {
    const url = `${ep}/bench/d${i % 10}/k${(i * 7) % 1000 - ((i * 7) % 1000) % 10 + (i % 10)}`;
    return ok(await fetch(url, signRequest(url)));
  } });
  row.HEAD = await runLoad({ concurrency: C, seconds: SECONDS, request: async (i) => {
    const url = `${ep}/bench/d${i % 10}/k${(i * 7) % 1000 - ((i * 7) % 1000) % 10 + (i % 10)}`;
    return ok(await fetch(url, signRequest(url, { method: "HEAD" })));
  } });
  row["LIST 100 keys"] = await runLoad({ concurrency: C, seconds: SECONDS, request: async (i) => {
    const url = `${ep}/bench?list-type=2&prefix=d${i % 10}/&max-keys=100`;
    return ok(await fetch(url, signRequest(url)));
  } });
  return row;
}

const results: Record<string, Record<string, LoadResult>> = {};
for (const engine of engines) {
  results[engine] = await engineRow(engine);
  for (const [op, r] of Object.entries(results[engine]!)) {
    console.log(JSON.stringify({ bench: "metadata", engine, op, concurrency: C, opsPerSec: r.opsPerSec, errors: r.errors, p50ms: r.p50ms, p99ms: r.p99ms }));
  }
}
const ops = Object.keys(results.sqlite!);
console.log(`\n| operation (c=${C}, ops/s) | ${engines.join(" | ")} |`);
console.log(`|---|${engines.map(() => "---").join("|")}|`);
for (const op of ops) {
  console.log(`| ${op} | ${engines.map((e) => {
    const r = results[e]![op]!;
    return `${Math.round(r.opsPerSec)}${r.errors ? ` (${r.errors} errors)` : ""}`;
  }).join(" | ")} |`);
}

// Where a small GET's (and HEAD's) CPU goes (npm run bench -- --ladder): GET, then HEAD, 4 KiB at c=32 against each rung of the
// ladder fixture (ladder-fixture.ts: the HTTP ceiling, the S3 floor, + S3's response headers, + the
// object's record looked up by key, + the request log line) and against BleepStore (default configuration,
// request logs on, one process), all in alternating turns, each with its server's CPU per request.
// Each rung's step over the one below is what that requirement costs at least; what BleepStore spends
// beyond the last rung is its own: routing among every S3 operation, the access decision (ACLs, bucket
// policy, Block Public Access), the engine, metrics, access logging and the framework around them.
// Both servers' logs go to files, as under a service manager.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { inTurns, printRows } from "./turns.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "18" } }, strict: false });
const SECONDS = Number(values.seconds);

const logs = mkdtempSync(join(tmpdir(), "bleepstore-ladder-logs-"));
process.on("exit", () => rmSync(logs, { recursive: true, force: true }));
const fixture = Bun.spawn([process.execPath, join(import.meta.dir, "ladder-fixture.ts")], { stdout: "pipe", stderr: Bun.file(join(logs, "fixture.log")) });
process.on("exit", () => fixture.kill("SIGTERM"));
const port = await (async () => {
  const reader = fixture.stdout.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the ladder fixture ended before it listened");
    text += new TextDecoder().decode(value);
    const m = /listening on (\d+)/.exec(text);
    if (m) return Number(m[1]);
  }
})();
const ladder = `http://127.0.0.1:${port}`;

await using server = await startServer({ args: ["--workers", "1"], stderrFile: join(logs, "server.log") });
const ep = server.endpoint;
await fetch(`${ep}/bench`, signRequest(`${ep}/bench`, { method: "PUT" }));
await benchClient.put(ep, "bench", "small", new Uint8Array(4096).fill(97));

const RUNGS = [
  ["HTTP ceiling (4 KiB from memory)", "mem"], ["S3 floor (+ SigV4 verified)", "s3floor"], ["+ S3 response headers", "headers"],
  ["+ record looked up by key", "lookup"], ["+ request log line", "logged"],
] as const;
for (const method of ["GET", "HEAD"] as const) {
  const call = method === "GET" ? benchClient.get : async (e: string, b: string, k: string) => (await benchClient.head(e, b, k), 0);
  const rows = await inTurns(() => server.pid(), [
    ...RUNGS.map(([scenario, bucket]) => ({ scenario: `${method}: ${scenario}`, request: () => call(ladder, bucket, "small"), pid: () => fixture.pid })),
    { scenario: `BleepStore ${method} 4KiB c=32`, request: () => call(ep, "bench", "small") },
  ], SECONDS);
  printRows("ladder", rows);
  console.log(`\n| ${method} step | CPU µs per request |\n|---|---:|`);
  rows.forEach((r, i) => {
    const step = i === 0 ? r.serverCpuUsPerRequest : r.serverCpuUsPerRequest - rows[i - 1]!.serverCpuUsPerRequest;
    console.log(`| ${r.scenario} | ${i === 0 ? "" : step >= 0 ? "+" : ""}${step} |`);
  });
  const floor = rows[1]!.serverCpuUsPerRequest;
  console.log(`\n${method}: BleepStore / S3 floor ${(rows[5]!.serverCpuUsPerRequest / floor).toFixed(2)} (target ≤ 1.15), ops/s ${(rows[5]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)} (target ≥ 0.85); last rung / S3 floor ${(rows[4]!.serverCpuUsPerRequest / floor).toFixed(2)}, ops/s ${(rows[4]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)}\n`);
}

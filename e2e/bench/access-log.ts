// The cost of server access logging (npm run bench -- --access-log): GET 4 KiB at c=32 from a bucket whose
// requests are logged (a record spooled before each answer, shipped every second) beside one that is not,
// on one server, in alternating turns: the ratio of their ops/s and the server's CPU per request for each.
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { inTurns, printRows } from "./turns.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "6" } }, strict: false });
const SECONDS = Number(values.seconds);

await using server = await startServer({ args: ["--log-level", "error"], env: { BLEEPSTORE_ACCESS_LOGS_FLUSH_SECONDS: "1" } });
const ep = server.endpoint;
for (const bucket of ["logged", "unlogged", "logs"]) await fetch(`${ep}/${bucket}`, signRequest(`${ep}/${bucket}`, { method: "PUT" }));
for (const bucket of ["logged", "unlogged"]) await benchClient.put(ep, bucket, "small", new Uint8Array(4096).fill(97));
const on = `<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>logged/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`;
const put = await fetch(`${ep}/logged?logging`, signRequest(`${ep}/logged?logging`, { method: "PUT", body: on }));
if (put.status !== 200) throw new Error(`PutBucketLogging: ${put.status} ${await put.text()}`);

const rows = await inTurns(() => server.pid(), [
  { scenario: "GET 4KiB c=32 access logging on", request: () => benchClient.get(ep, "logged", "small") },
  { scenario: "GET 4KiB c=32 access logging off", request: () => benchClient.get(ep, "unlogged", "small") },
], SECONDS);
printRows("access-log", rows);
console.log(`\non / off: ${(rows[0]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)}`);

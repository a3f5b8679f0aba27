// Encryption's and access logging's cost (npm run bench -- --sse): on one server, in alternating turns,
// PUT and GET of 4 KiB (c=32) and of 64 MiB (c=1) into a bucket without default encryption, one with
// SSE-S3 and one with SSE-KMS (the default key aws/s3) as its default; and GET 4 KiB from a bucket whose
// requests are access-logged beside the plain one. Each row with the server's CPU per request; then
// each side's ratio to plain.
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { inTurns, printRows, type TurnRow } from "./turns.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "6" } }, strict: false });
const SECONDS = Number(values.seconds);
const MiB = 1024 * 1024;
const small = new Uint8Array(4096).fill(97);
const big = new Uint8Array(64 * MiB).fill(98);

await using server = await startServer({ args: ["--log-level", "error"], env: { BLEEPSTORE_ACCESS_LOGS_FLUSH_SECONDS: "1" } });
const ep = server.endpoint;
const call = async (path: string, init: { method: string; body?: string }) => {
  const res = await fetch(`${ep}${path}`, signRequest(`${ep}${path}`, init));
  if (!res.ok) throw new Error(`${init.method} ${path}: ${res.status} ${await res.text()}`);
};
const byDefault = (algorithm: string) =>
  `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${algorithm}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`;
const KINDS = [["plain", undefined], ["SSE-S3", "AES256"], ["SSE-KMS", "aws:kms"]] as const;
const bucketOf = (kind: string) => `bench-${kind.toLowerCase()}`;
for (const [kind, algorithm] of KINDS) {
  await call(`/${bucketOf(kind)}`, { method: "PUT" });
  if (algorithm) await call(`/${bucketOf(kind)}?encryption`, { method: "PUT", body: byDefault(algorithm) });
}
for (const bucket of ["bench-logged", "bench-logs"]) await call(`/${bucket}`, { method: "PUT" });
await call("/bench-logged?logging", { method: "PUT", body: "<BucketLoggingStatus><LoggingEnabled><TargetBucket>bench-logs</TargetBucket><TargetPrefix>l/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>" });
for (const bucket of [...KINDS.map(([k]) => bucketOf(k)), "bench-logged"]) {
  await benchClient.put(ep, bucket, "small", small);
  await benchClient.put(ep, bucket, "big", big);
}

const pid = () => server.pid();
const get = (bucket: string, key: string) => () => benchClient.get(ep, bucket, key);
const put = (bucket: string, body: Uint8Array) => async (i: number) => {
  await benchClient.put(ep, bucket, `put-${i}-${Math.random().toString(36).slice(2)}`, body);
  return body.length;
};
const rows: TurnRow[] = [
  ...await inTurns(pid, [
    ...KINDS.map(([kind]) => ({ scenario: `${kind} GET 4KiB c=32`, request: get(bucketOf(kind), "small") })),
    { scenario: "access-logged GET 4KiB c=32", request: get("bench-logged", "small") },
  ], SECONDS),
  ...await inTurns(pid, KINDS.map(([kind]) => ({ scenario: `${kind} PUT 4KiB c=32 (durable)`, request: put(bucketOf(kind), small) })), SECONDS),
  ...await inTurns(pid, KINDS.map(([kind]) => ({ scenario: `${kind} PUT 64MiB c=1`, request: put(bucketOf(kind), big) })), SECONDS * 2, 6, 1),
  ...await inTurns(pid, KINDS.map(([kind]) => ({ scenario: `${kind} GET 64MiB c=1`, request: get(bucketOf(kind), "big") })), SECONDS * 2, 6, 1),
];
printRows("sse", rows);

console.log("\n| scenario | vs plain (ops/s, or MB/s at 64 MiB) | server CPU µs/request vs plain |\n|---|---:|---:|");
for (const r of rows.filter((x) => !x.scenario.startsWith("plain "))) {
  const plain = rows.find((x) => x.scenario === `plain ${r.scenario.replace(/^(SSE-S3|SSE-KMS|access-logged) /, "")}`)!;
  const large = r.scenario.includes("64MiB");
  const ratio = large ? r.MBps / plain.MBps : r.opsPerSec / plain.opsPerSec;
  console.log(`| ${r.scenario} | ${ratio.toFixed(2)} | ${r.serverCpuUsPerRequest} vs ${plain.serverCpuUsPerRequest} |`);
}

// The cost of the access decision (npm run bench -- --policy): GET 4 KiB at c=32 from a bucket with a
// 10-statement bucket policy (one with an IpAddress condition) beside a bucket with none, on one server,
// in alternating turns: the ratio of their ops/s and the server's CPU per request for each. Target ≥ 0.9.
import { parseArgs } from "node:util";
import { startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { benchClient } from "./clients.ts";
import { inTurns, printRows } from "./turns.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { seconds: { type: "string", default: "6" } }, strict: false });
const SECONDS = Number(values.seconds);
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

const rows = await inTurns(() => server.pid(), [
  { scenario: "GET 4KiB c=32 10-statement policy", request: () => benchClient.get(ep, "with-policy", "small") },
  { scenario: "GET 4KiB c=32 no policy", request: () => benchClient.get(ep, "without-policy", "small") },
], SECONDS);
printRows("policy", rows);
console.log(`\nwith / without: ${(rows[0]!.opsPerSec / rows[1]!.opsPerSec).toFixed(2)} (target ≥ 0.9)`);

// Property-based fuzzing of the HTTP layer with fast-check: generated requests with random methods,
// paths, S3 subresources, hostile headers, truncated or oversized XML and broken aws-chunked framing,
// about half of them validly signed so they reach the engine. Every answer must be well formed (XML
// that parses, no body on HEAD), no 5xx but the documented 501, nothing may hang, and the server
// must keep serving. 10,000 cases by default; BLEEPSTORE_FUZZ_RUNS sets another count.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { awsClient } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { signRequest } from "./helpers/sign.ts";

const RUNS = Number(process.env.BLEEPSTORE_FUZZ_RUNS ?? 10_000);
setDefaultTimeout(Math.max(120_000, RUNS * 60));

let server: TestServer;
const BUCKET = "fuzz-target";
const DOCUMENTED_5XX = new Set([501]);

beforeAll(async () => {
  server = await startServer({ args: ["--log-level", "error"] });
  const s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch(() => {});
  for (const key of ["a", "dir/b", "c d"]) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const segment = fc.oneof(
  fc.constantFrom(BUCKET, "fuzz-other", "metrics", "a", "dir", "..", ".", "", "%", "%zz", "%E0%A4", "%00", "%2F", "x".repeat(300)),
  fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[a-z0-9.-]{1,70}$/),
);
const path = fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => `/${parts.join("/")}`);

const queryValue = fc.oneof(fc.constant(""), fc.stringMatching(/^[-0-9]{1,6}$/), fc.string({ maxLength: 12 }).map(encodeURIComponent));
const subresource = fc.constantFrom(
  "acl", "uploads", "uploadId", "partNumber", "list-type", "max-keys", "delete", "versioning", "location", "tagging",
  "encoding-type", "continuation-token", "prefix", "delimiter", "marker", "versions", "attributes", "start-after", "max-parts",
  "part-number-marker", "key-marker", "upload-id-marker", "max-uploads", "fetch-owner", "select", "restore", "X-Amz-Signature",
);
const query = fc.array(fc.tuple(subresource, queryValue), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => (v === "" ? k : `${k}=${v}`)).join("&"));

const headerValue = fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[ -~]{0,80}$/), fc.constant("x".repeat(3000)));
const headerPair = fc.oneof(
  fc.tuple(fc.constantFrom(
    "content-md5", "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm",
    "x-amz-checksum-algorithm", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
    "x-amz-copy-source", "x-amz-copy-source-range", "x-amz-copy-source-if-match", "x-amz-acl", "x-amz-grant-read",
    "x-amz-metadata-directive", "x-amz-storage-class", "content-type", "x-amz-meta-fuzz", "x-amz-trailer",
    "x-amz-object-attributes", "x-amz-checksum-mode", "x-amz-decoded-content-length", "content-encoding", "expires",
  ), headerValue),
  fc.tuple(fc.constant("x-amz-copy-source"), fc.constantFrom(`/${BUCKET}/a`, `${BUCKET}/dir%2Fb`, "/nobucket/k", `/${BUCKET}/`, "%%%")),
  fc.tuple(fc.constant("range"), fc.constantFrom("bytes=0-1", "bytes=-3", "bytes=5-", "bytes=9-1", "bytes=0-1,3-4", "bytes=x-y", "bytes=999999-")),
  fc.tuple(fc.constant("content-encoding"), fc.constant("aws-chunked")),
);
const headers = fc.array(headerPair, { maxLength: 6 });

const xmlDocs = [
  "<Delete><Object><Key>a</Key></Object><Quiet>true</Quiet></Delete>",
  "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"x\"</ETag></Part></CompleteMultipartUpload>",
  "<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee><URI>u</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
  "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>",
  '<!DOCTYPE a [<!ENTITY b "ccccccccccccccccc"><!ENTITY d "&b;&b;&b;&b;&b;&b;">]><Delete><Object><Key>&d;</Key></Object></Delete>',
];
const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 2048 }),
  fc.tuple(fc.constantFrom(...xmlDocs), fc.nat()).map(([doc, cut]) => doc.slice(0, cut % (doc.length + 1))),
  fc.constantFrom(...xmlDocs),
  fc.constant(`<Delete>${"<Object><Key>k</Key></Object>".repeat(2000)}</Delete>`),
  fc.constant(`${"<a>".repeat(5000)}${"</a>".repeat(5000)}`),
  fc.constantFrom("5\r\nhello\r\n0\r\n\r\n", "zz\r\nhello\r\n", "5;chunk-signature=00\r\nhel", "ffffffff\r\nx\r\n", "3\r\nabcdef\r\n0\r\n\r\n"),
);

const method = fc.constantFrom("GET", "PUT", "POST", "DELETE", "HEAD", "GET", "PUT", "PATCH", "OPTIONS");

const requestArb = fc.record({ method, path, query, headers, body, sign: fc.boolean(), streaming: fc.boolean() });

test.skipIf(!!EXTERNAL_ENDPOINT)(`${RUNS} generated requests: every answer well formed, no undocumented 5xx, the server keeps serving`, async () => {
  let sent = 0;
  const statuses = new Map<number, number>();
  const outcome = await fc.check(
    fc.asyncProperty(requestArb, async (r) => {
      const url = `${server.endpoint}${r.path}${r.query ? `?${r.query}` : ""}`;
      const hdrs: Record<string, string> = {};
      for (const [k, v] of r.headers) hdrs[k] = v;
      const payload = r.body === undefined || r.method === "GET" || r.method === "HEAD" ? undefined : r.body;
      let init: RequestInit;
      try {
        if (r.sign) {
          const payloadHash = r.streaming ? "STREAMING-UNSIGNED-PAYLOAD-TRAILER" : undefined;
          init = signRequest(url, { method: r.method, headers: hdrs, ...(payload !== undefined ? { body: payload } : {}), ...(payloadHash ? { payloadHash } : {}) });
        } else {
          init = { method: r.method, headers: hdrs, ...(payload !== undefined ? { body: payload } : {}) };
        }
      } catch {
        return; // the URL could not even be formed by the client
      }
      let res: Response;
      try {
        res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        // Bun's fetch refuses some header values before sending anything; a timeout is a real failure.
        if ((err as Error).name === "TimeoutError") throw new Error(`request hung: ${r.method} ${url}`);
        return;
      }
      sent++;
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500 && !DOCUMENTED_5XX.has(res.status)) {
        throw new Error(`${res.status} for ${r.method} ${url} ${JSON.stringify(hdrs)}: ${text.slice(0, 500)}`);
      }
      expect(res.headers.get("x-amz-request-id") ?? res.headers.get("content-type")).toBeTruthy();
      if (r.method === "HEAD") expect(text).toBe("");
      if (text && (res.headers.get("content-type") ?? "").includes("xml")) {
        expect(XMLValidator.validate(text)).toBe(true);
      }
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  if (outcome.failed) {
    // Report the shrunk request compactly (a generated body can be megabytes long).
    const shown = JSON.stringify(outcome.counterexample, (_k, v) => (typeof v === "string" && v.length > 300 ? `${v.slice(0, 300)}…(${v.length} chars)` : v));
    throw new Error(`fuzz failed after ${outcome.numRuns} runs (seed ${outcome.seed}): ${String((outcome.errorInstance as Error | undefined)?.message ?? outcome.errorInstance).slice(0, 1500)}\nrequest: ${shown}`);
  }
  expect(sent).toBeGreaterThan(RUNS * 0.8);
  expect((await fetch(`${server.endpoint}/healthz`)).status).toBe(200);
  // Still serving reads and writes (the fuzzer may itself have deleted any fixed object, so write anew).
  const probe = `${server.endpoint}/${BUCKET}/after-fuzz-${crypto.randomUUID()}`;
  expect((await fetch(probe, signRequest(probe, { method: "PUT", body: "still here" }))).status).toBe(200);
  expect(await (await fetch(probe, signRequest(probe))).text()).toBe("still here");
  console.log(`fuzz: ${sent} requests answered; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
});

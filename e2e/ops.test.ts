// The operations surface: /metrics after a scripted workload, /healthz, /readyz and /health (with the
// data directory made unwritable and restored), /openapi.json and /docs, reserved names, structured
// logs without secrets, and the admin API (key pairs, metadata export/import, reconciliation).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command,
  PutObjectCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, SECRET_KEY, startServer, type TestServer } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";

setDefaultTimeout(60_000);

const TOKEN = "test-admin-token-0123456789";
let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer({ env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_OBSERVABILITY_API_DOCS: "true" } });
  s3 = awsClient(server.endpoint);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${server.endpoint}/_bleepstore/admin${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...init.headers } });

/** metric{labels} value lines → a lookup by the exact series text. */
async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.endpoint}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

describe("/metrics", () => {
  test("after a scripted workload the counters equal the requests made", async () => {
    const bucket = bucketName("metrics-wl");
    const before = await scrape();
    const count = (op: string, cls: string, m: Map<string, number>) => m.get(`bleepstore_requests_total{operation="${op}",status_class="${cls}"}`) ?? 0;

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (let i = 0; i < 7; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: "x".repeat(100) }));
    for (let i = 0; i < 5; i++) await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i}` }))).Body!.transformToString();
    for (let i = 0; i < 3; i++) await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })).catch(() => {});
    await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k0" }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "pending" }));

    const after = await scrape();
    const delta = (op: string, cls: string) => count(op, cls, after) - count(op, cls, before);
    expect(delta("CreateBucket", "2xx")).toBe(1);
    expect(delta("PutObject", "2xx")).toBe(7);
    expect(delta("GetObject", "2xx")).toBe(5);
    expect(delta("GetObject", "4xx")).toBe(3);
    expect(delta("ListObjectsV2", "2xx")).toBe(1);
    expect(delta("HeadObject", "2xx")).toBe(1);
    expect(delta("CreateMultipartUpload", "2xx")).toBe(1);
    expect((after.get('bleepstore_errors_total{code="NoSuchKey"}') ?? 0) - (before.get('bleepstore_errors_total{code="NoSuchKey"}') ?? 0)).toBe(3);
    expect(after.get(`bleepstore_objects{bucket="${bucket}"}`)).toBe(7);
    expect(after.get(`bleepstore_object_bytes{bucket="${bucket}"}`)).toBe(700);
    expect(after.get("bleepstore_multipart_uploads_open")).toBeGreaterThanOrEqual(1);
    expect(after.get('bleepstore_request_duration_seconds_count{operation="PutObject"}')).toBeGreaterThanOrEqual(7);
    expect((after.get("bleepstore_bytes_received_total") ?? 0) - (before.get("bleepstore_bytes_received_total") ?? 0)).toBeGreaterThanOrEqual(700);
    expect((after.get("bleepstore_bytes_sent_total") ?? 0) - (before.get("bleepstore_bytes_sent_total") ?? 0)).toBeGreaterThanOrEqual(500);
    expect(after.get("process_resident_memory_bytes")).toBeGreaterThan(1e6);
    expect(after.has("bleepstore_requests_in_flight")).toBe(true);
  });

  // The family's names, types and labels (SPEC §12), with exact counts after a scripted workload.
  test("the family's series: http_requests_total by route template, s3_operations_total, totals, process figures", async () => {
    const bucket = bucketName("family");
    const before = await scrape();
    const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `f${i}`, Body: "y".repeat(10) }));
    for (let i = 0; i < 2; i++) await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "nope" })).catch(() => {});
    await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (let i = 0; i < 3; i++) await fetch(`${server.endpoint}/healthz`);
    const after = await scrape();
    expect(delta('bleepstore_http_requests_total{method="PUT",path="/{bucket}",status="200"}')).toBe(1);
    expect(delta('bleepstore_http_requests_total{method="PUT",path="/{bucket}/{key}",status="200"}')).toBe(4);
    expect(delta('bleepstore_http_requests_total{method="GET",path="/{bucket}/{key}",status="404"}')).toBe(2);
    expect(delta('bleepstore_http_requests_total{method="GET",path="/{bucket}",status="200"}')).toBe(1);
    expect(delta('bleepstore_http_requests_total{method="GET",path="/healthz",status="200"}')).toBe(3);
    expect(delta('bleepstore_s3_operations_total{operation="PutObject",status="success"}')).toBe(4);
    expect(delta('bleepstore_s3_operations_total{operation="GetObject",status="error"}')).toBe(2);
    expect(delta('bleepstore_http_request_duration_seconds_count{method="PUT",path="/{bucket}/{key}"}')).toBe(4);
    expect(delta('bleepstore_http_request_size_bytes_sum{method="PUT",path="/{bucket}/{key}"}')).toBeGreaterThanOrEqual(40);
    expect(delta('bleepstore_http_response_size_bytes_count{method="GET",path="/{bucket}"}')).toBe(1);
    expect(after.get("bleepstore_buckets_total")).toBeGreaterThanOrEqual(1);
    expect(delta("bleepstore_objects_total")).toBe(4);
    expect(after.get("process_open_fds")).toBeGreaterThan(0);
    // Scrapes are not requests the family counts: /metrics never appears in its own series.
    expect([...after.keys()].filter((s) => s.includes('path="/metrics"'))).toEqual([]);
    const text = await (await fetch(`${server.endpoint}/metrics`)).text();
    for (const [name, type] of [
      ["bleepstore_http_requests_total", "counter"], ["bleepstore_http_request_duration_seconds", "histogram"],
      ["bleepstore_http_request_size_bytes", "histogram"], ["bleepstore_http_response_size_bytes", "histogram"],
      ["bleepstore_s3_operations_total", "counter"], ["bleepstore_objects_total", "gauge"], ["bleepstore_buckets_total", "gauge"],
      ["bleepstore_bytes_received_total", "counter"], ["bleepstore_bytes_sent_total", "counter"], ["process_cpu_seconds_total", "counter"],
      ["process_resident_memory_bytes", "gauge"], ["process_open_fds", "gauge"],
    ]) expect(text).toContain(`# TYPE ${name} ${type}\n`);
  });
});

describe("health endpoints", () => {
  // The family's surfaces (SPEC §12), byte for byte where they are fixed.
  test("/healthz and /readyz: 200 with an empty body; /health: {status, checks} with integer latencies", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`${server.endpoint}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
    }
    const res = await fetch(`${server.endpoint}/health`);
    expect(res.status).toBe(200);
    const health = await res.json() as { status: string; checks: Record<string, { status: string; latency_ms: number }> };
    expect(Object.keys(health)).toEqual(["status", "checks"]);
    expect(health.status).toBe("ok");
    expect(Object.keys(health.checks)).toEqual(["metadata", "storage"]);
    for (const check of Object.values(health.checks)) {
      expect(Object.keys(check)).toEqual(["status", "latency_ms"]);
      expect(check.status).toBe("ok");
      expect(Number.isInteger(check.latency_ms)).toBe(true);
    }
  });

  test("observability.health_check: false → /healthz and /readyz 404, /health a static {\"status\":\"ok\"}", async () => {
    await using off = await startServer({ env: { BLEEPSTORE_OBSERVABILITY_HEALTH_CHECK: "false" } });
    expect((await fetch(`${off.endpoint}/healthz`)).status).toBe(404);
    expect((await fetch(`${off.endpoint}/readyz`)).status).toBe(404);
    const health = await fetch(`${off.endpoint}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('{"status":"ok"}');
  });

  // Root ignores permission bits, so the directories are made immutable (chattr +i) instead.
  const chattr = !EXTERNAL_ENDPOINT && requires("root and chattr (the unwritable-data-dir readiness tests)",
    unless(process.getuid?.() === 0 && spawnSync("chattr", ["--help"]).error === undefined, "run as root with e2fsprogs' chattr"));
  test.skipIf(!chattr)("/readyz turns 503 while the data directory is unwritable and 200 once restored", async () => {
    const dirs = [server.dataDir, join(server.dataDir, "objects"), join(server.dataDir, "objects", ".tmp")];
    try {
      for (const d of dirs) expect(spawnSync("chattr", ["+i", d]).status).toBe(0);
      expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(503);
      const res = await fetch(`${server.endpoint}/health`);
      expect(res.status).toBe(503);
      const health = await res.json() as { status: string; checks: { storage: { status: string; error?: string; latency_ms: number } } };
      expect(health.status).toBe("degraded");
      expect(Object.keys(health.checks.storage)).toEqual(["status", "error", "latency_ms"]);
      expect(health.checks.storage.status).toBe("error");
      expect(health.checks.storage.error).toBeTruthy();
      expect((await fetch(`${server.endpoint}/healthz`)).status).toBe(200);
    } finally {
      for (const d of dirs) spawnSync("chattr", ["-i", d]);
    }
    expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(200);
  });

  test.skipIf(!chattr)("/readyz probes the object directory a write renames into, not only .tmp: 503 within its limit, 200 after", async () => {
    const objects = join(server.dataDir, "objects");
    try {
      expect(spawnSync("chattr", ["+i", objects]).status).toBe(0);
      const started = performance.now();
      expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(503);
      expect(performance.now() - started).toBeLessThan(2500);
      const health = await (await fetch(`${server.endpoint}/health`)).json() as { checks: { storage: { status: string; error: string } } };
      expect(health.checks.storage.status).toBe("error");
    } finally {
      spawnSync("chattr", ["-i", objects]);
    }
    expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(200);
  });
});

describe("reserved names", () => {
  test("the endpoint names are reserved: no bucket may take them", async () => {
    for (const name of ["metrics", "healthz", "readyz", "health", "docs", "openapi.json"]) {
      expect(await s3ErrorCode(s3.send(new CreateBucketCommand({ Bucket: name })))).toBe("InvalidBucketName");
    }
  });
});

describe("admin API", () => {
  test("refuses requests without the bearer token", async () => {
    expect((await fetch(`${server.endpoint}/_bleepstore/admin/credentials`)).status).toBe(401);
    expect((await fetch(`${server.endpoint}/_bleepstore/admin/credentials`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });

  test("a second key pair works for S3, cannot touch the first key's private buckets, and is refused once revoked", async () => {
    const created = await admin("/credentials", { method: "POST", body: JSON.stringify({ displayName: "second" }) });
    expect(created.status).toBe(201);
    const { accessKey, secretKey, ownerId } = await created.json() as { accessKey: string; secretKey: string; ownerId: string };
    const second = awsClient(server.endpoint, { accessKeyId: accessKey, secretAccessKey: secretKey });

    const firstBucket = bucketName("first-private");
    await s3.send(new CreateBucketCommand({ Bucket: firstBucket }));
    await s3.send(new PutObjectCommand({ Bucket: firstBucket, Key: "secret.txt", Body: "first's" }));
    const secondBucket = bucketName("second-own");
    await second.send(new CreateBucketCommand({ Bucket: secondBucket }));
    await second.send(new PutObjectCommand({ Bucket: secondBucket, Key: "mine.txt", Body: "second's" }));

    const mine = await second.send(new ListBucketsCommand({}));
    expect(mine.Buckets?.map((b) => b.Name)).toEqual([secondBucket]);
    expect(mine.Owner?.ID).toBe(ownerId);
    expect(await s3Status(second.send(new GetObjectCommand({ Bucket: firstBucket, Key: "secret.txt" })))).toBe(403);
    expect(await s3Status(second.send(new PutObjectCommand({ Bucket: firstBucket, Key: "x", Body: "intrusion" })))).toBe(403);
    expect(await s3Status(second.send(new ListObjectsV2Command({ Bucket: firstBucket })))).toBe(403);
    expect(await s3Status(s3.send(new GetObjectCommand({ Bucket: secondBucket, Key: "mine.txt" })))).toBe(403);
    expect(await s3ErrorCode(second.send(new CreateBucketCommand({ Bucket: firstBucket })))).toBe("BucketAlreadyExists");

    const listed = await (await admin("/credentials")).json() as Array<{ accessKey: string; secretKey?: string }>;
    expect(listed.map((c) => c.accessKey)).toContain(accessKey);
    expect(listed.every((c) => c.secretKey === undefined)).toBe(true);

    expect((await admin(`/credentials/${accessKey}`, { method: "DELETE" })).status).toBe(204);
    expect(await s3ErrorCode(second.send(new ListBucketsCommand({})))).toBe("InvalidAccessKeyId");
    expect((await admin(`/credentials/${accessKey}`, { method: "DELETE" })).status).toBe(404);
  });

  test("metadata export (family format) imports into a server with another engine and exports identically", async () => {
    const bucket = bucketName("exported");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a/b.txt", Body: "exported", Metadata: { m: "1" } }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "upload" }));
    const res = await admin("/metadata?include_credentials=true");
    const text = await res.text();
    const exported = JSON.parse(text) as { bleepstore_export: { source: string }; objects: Array<{ key: string }>; buckets: unknown[] };
    expect(exported.bleepstore_export.source).toMatch(/^typescript\//);
    expect(exported.objects.map((o) => o.key)).toContain("a/b.txt");
    expect(text.endsWith("}\n")).toBe(true);

    await using other = await startServer({ env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_METADATA_ENGINE: "memory" } });
    const otherAdmin = (path: string, init: RequestInit = {}) =>
      fetch(`${other.endpoint}/_bleepstore/admin${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } });
    const imported = await otherAdmin("/metadata?mode=replace", { method: "POST", body: text });
    expect(imported.status).toBe(200);
    expect((await imported.json() as { objects: number }).objects).toBe(exported.objects.length);
    const again = JSON.parse(await (await otherAdmin("/metadata?include_credentials=true")).text()) as typeof exported;
    const strip = (d: typeof exported) => ({ ...d, bleepstore_export: undefined });
    expect(strip(again)).toEqual(strip(exported));
    const head = await awsClient(other.endpoint).send(new HeadObjectCommand({ Bucket: bucket, Key: "a/b.txt" }));
    expect(head.Metadata).toEqual({ m: "1" });
  });

  test("an import that is not an export is refused", async () => {
    const res = await admin("/metadata", { method: "POST", body: JSON.stringify({ format: "other", version: 9 }) });
    expect(res.status).toBe(400);
  });

  test("reconciliation can be triggered", async () => {
    const res = await admin("/reconcile", { method: "POST" });
    expect(res.status).toBe(200);
    expect(typeof (await res.json() as { orphansRemoved: number }).orphansRemoved).toBe("number");
  });

  test("without a configured token the admin API is off", async () => {
    await using plain = await startServer();
    expect((await fetch(`${plain.endpoint}/_bleepstore/admin/credentials`, { headers: { authorization: "Bearer " } })).status).toBe(404);
  });
});

describe("structured logs", () => {
  test("one JSON line per request with its id, operation, bucket, key, status, bytes and duration; no secrets", async () => {
    const bucket = bucketName("logged");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "logged.txt", Body: "12345" }));
    const id = put.$metadata.requestId!;
    await Bun.sleep(50);
    const lines = server.logs().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.requestId === id)!;
    expect(line).toMatchObject({ level: "info", msg: "request", operation: "PutObject", bucket, key: "logged.txt", status: 200, bytesIn: 5 });
    expect(typeof line.ms).toBe("number");
    const all = server.logs();
    expect(all).not.toContain(SECRET_KEY);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toMatch(/Signature=[0-9a-f]{64}/);
  });
});

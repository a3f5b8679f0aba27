// The queue's modes and bounds against a real redis-server on loopback: sync mode (answers only what
// is committed and confirmed; refuses to start without its broker), the dead-letter bound, a bad
// target at start-up in write-through mode, and what /health and /metrics show.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { brokerFixture, brokerUnavailable, type Broker } from "./helpers/brokers.ts";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { queueEnv } from "./helpers/event-suite.ts";
import { requires } from "./helpers/requires.ts";
import { runCli, startServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(120_000);

interface QueueHealth {
  backend: string;
  consistency: string;
  connected: boolean;
  pending_tasks: number;
  dead_letter_count: number;
  targets: Array<{ id: string; kind: string; connected: boolean; pending: number; dead_letter: number; published: number; failed: number; error?: string }>;
}

const health = async (endpoint: string) => {
  const res = await fetch(`${endpoint}/health`);
  return { status: res.status, queue: ((await res.json()) as { queue: QueueHealth }).queue };
};
const keysAt = async (broker: Broker, name: string, bucket: string) =>
  new Set((await broker.received(name)).map((m) => m.body as { type: string; data: { bucket: string; key: string } })
    .filter((e) => e.type === "object.created" && e.data.bucket === bucket).map((e) => e.data.key));

if (requires("redis broker", brokerUnavailable("redis"))) {
  const fixture = brokerFixture("redis");
  const broker = () => fixture.broker;

  describe("queue modes", () => {
    test("sync: a 200 means committed and confirmed; with the broker down writes are refused (and say what happened)", async () => {
      const name = "sync";
      const server = await startServer({ env: queueEnv(broker(), name, { BLEEPSTORE_QUEUE_CONSISTENCY: "sync", BLEEPSTORE_QUEUE_SYNC_TIMEOUT_MS: "2000" }) });
      await using _ = server;
      const s3 = awsClient(server.endpoint);
      const bucket = bucketName("sync");
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      for (let i = 0; i < 20; i++) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `ok${i}`, Body: "x" }));
        // Confirmed before the answer: the broker has it the moment the client has its 200.
        expect(await keysAt(broker(), name, bucket)).toContain(`ok${i}`);
      }
      expect((await health(server.endpoint)).queue).toMatchObject({ backend: "redis", consistency: "sync", connected: true });
      expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(200);

      await broker().stop();
      const outcomes: Record<string, string> = {};
      // Until the target counts as down (max_retries failed attempts, backing off from 100 ms), writes
      // commit and say their events are not confirmed; from then on they are refused.
      const deadline = Date.now() + 20_000;
      for (let i = 0; Date.now() < deadline && !Object.values(outcomes).includes("SlowDown"); i++) {
        outcomes[`down${i}`] = await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `down${i}`, Body: "x" })));
        await Bun.sleep(100);
      }
      const codes = new Set(Object.values(outcomes));
      // Every answer while the broker is down is a 503; none claims success.
      expect([...codes].every((c) => c === "ServiceUnavailable" || c === "SlowDown")).toBe(true);
      expect(codes).toContain("SlowDown");
      for (const [key, code] of Object.entries(outcomes)) {
        // SlowDown: refused before anything changed. ServiceUnavailable: committed, and its message says so.
        expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toBe(code === "SlowDown" ? 404 : 200);
      }
      expect((await fetch(`${server.endpoint}/readyz`)).status).toBe(503);
      const down = await health(server.endpoint);
      expect(down.status).toBe(503);
      expect(down.queue.connected).toBe(false);
      expect(down.queue.targets[0]!.error).toBeTruthy();

      await broker().start();
      // Back within the backoff (at most 5 s): writes succeed, and the committed ones' events went out.
      await until(async () => (await s3Status(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "back", Body: "x" })))) === 200, "a write accepted again", 30_000);
      const committed = Object.entries(outcomes).filter(([, c]) => c === "ServiceUnavailable").map(([k]) => k);
      await until(async () => {
        const got = await keysAt(broker(), name, bucket);
        return committed.every((k) => got.has(k)) && got.has("back");
      }, "the events of every committed write at the broker");
      const got = await keysAt(broker(), name, bucket);
      for (const [key, code] of Object.entries(outcomes)) if (code === "SlowDown") expect(got.has(key)).toBe(false);
    });

    test("sync: a broker that cannot be reached stops start-up with one line naming it; write-through starts and warns", async () => {
      const dir = mkdtempSync(join(tmpdir(), "bleepstore-queue-start-"));
      try {
        const env = { BLEEPSTORE_QUEUE_ENABLED: "true", BLEEPSTORE_QUEUE_BACKEND: "redis", BLEEPSTORE_QUEUE_REDIS_URL: "redis://127.0.0.1:1" };
        const r = await runCli(["--host", "127.0.0.1", "--port", "0", "--data-dir", dir], { env: { ...env, BLEEPSTORE_QUEUE_CONSISTENCY: "sync" }, timeoutMs: 30_000 });
        expect(r.code).toBe(1);
        expect(r.err.trim().split("\n")).toHaveLength(1);
        expect(r.err).toContain("queue target queue cannot be reached");
        const server = await startServer({ env });
        await using _ = server;
        const s3 = awsClient(server.endpoint);
        const bucket = bucketName("wt");
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        expect((await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }))).$metadata.httpStatusCode).toBe(200);
        expect(server.logs()).toContain("queue target unreachable");
        // The write's event waits (seen once a delivery was tried, a few milliseconds after the commit).
        await until(async () => (await health(server.endpoint)).queue.pending_tasks > 0, "the event waiting for the unreachable target");
        const h = await health(server.endpoint);
        expect(h.status).toBe(200);
        expect(h.queue.connected).toBe(false);
        const hook = { ...env, BLEEPSTORE_QUEUE_BACKEND: "webhook", BLEEPSTORE_QUEUE_WEBHOOK_URL: "http://127.0.0.1:1/", BLEEPSTORE_QUEUE_CONSISTENCY: "async" };
        expect(await runCli(["--data-dir", dir, "--port", "0"], { env: hook, timeoutMs: 30_000 }))
          .toMatchObject({ code: 1, err: expect.stringContaining("queue.consistency: async needs queue.enabled with backend redis, rabbitmq or nats") });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test("beyond queue.max_pending waiting events the oldest go to the dead-letter file, counted; the rest arrive when the broker is back", async () => {
      const name = "dead";
      const server = await startServer({ env: queueEnv(broker(), name, { BLEEPSTORE_QUEUE_MAX_PENDING: "20" }) });
      await using _ = server;
      const s3 = awsClient(server.endpoint);
      const bucket = bucketName("dead");
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      // The bucket's own event at the broker before it stops (delivery lingers a few milliseconds).
      await until(async () => (await broker().received(name)).some((m) => {
        const e = m.body as { type: string; data: { bucket?: string } };
        return e.type === "bucket.created" && e.data.bucket === bucket;
      }), "the bucket's event delivered");
      await broker().stop();
      for (let i = 0; i < 50; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${String(i).padStart(2, "0")}`, Body: "x" }));
      const all = Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(2, "0")}`);
      await until(async () => (await health(server.endpoint)).queue.dead_letter_count >= 30, "30 events in the dead-letter file");
      const lines = readFileSync(join(server.dataDir, "dead-letter.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      // At most 20 wait: the rest, oldest first, went to the file (each with the target that missed it).
      expect(lines.length).toBeGreaterThanOrEqual(30);
      const dead = lines.map((l) => l.event.data.key as string);
      expect(dead).toEqual(all.slice(0, dead.length));
      expect(lines.every((l) => JSON.stringify(l.targets) === '["queue"]')).toBe(true);
      const metrics = await (await fetch(`${server.endpoint}/metrics`)).text();
      expect(metrics).toContain(`bleepstore_queue_dead_letter{target="queue",kind="redis"} ${dead.length}`);
      await broker().start();
      // The rest arrive once the broker is back: every event in the file or at the broker, none in both.
      await until(async () => (await keysAt(broker(), name, bucket)).size === 50 - dead.length, "the newest events at the broker");
      const delivered = [...await keysAt(broker(), name, bucket)].sort();
      expect(delivered).toEqual(all.slice(dead.length));
      await until(async () => (await health(server.endpoint)).queue.pending_tasks === 0, "nothing pending");
      const after = await (await fetch(`${server.endpoint}/metrics`)).text();
      expect(after).toMatch(/bleepstore_queue_published_total\{target="queue",kind="redis"\} \d+/);
      expect(after).toMatch(/bleepstore_queue_failed_total\{target="queue",kind="redis"\} [1-9]/);
      expect(after).toContain('bleepstore_queue_latency_ms{target="queue",kind="redis",quantile="0.99"}');
    });
  });
}

describe("events from the command line and the admin API", () => {
  test("bleepstore events tail prints events as they commit; the admin API lists the notification targets with their ARNs; meta export carries undelivered events", async () => {
    const token = "events-admin-token";
    const targets = [{ id: "hook", kind: "webhook", url: "http://127.0.0.1:1/nowhere" }];
    const server = await startServer({ env: { BLEEPSTORE_ADMIN_TOKEN: token, BLEEPSTORE_NOTIFICATIONS_TARGETS: JSON.stringify(targets) } });
    await using _ = server;
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("tail");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "first", Body: "1" }));
    // From the start: the two events so far, then two more that commit while it waits.
    const tail = runCli(["events", "tail", "--from-start", "--count", "4", "--endpoint", server.endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: token }, timeoutMs: 60_000 });
    await Bun.sleep(500);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "second", Body: "2" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "first" }));
    const r = await tail;
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.split(/\s+/).slice(1, 3))).toEqual([
      ["bucket.created", bucket], ["object.created", `${bucket}/first`], ["object.created", `${bucket}/second`], ["object.deleted", `${bucket}/first`],
    ]);
    const json = await runCli(["events", "tail", "--from-start", "--count", "1", "--json", "--endpoint", server.endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: token }, timeoutMs: 30_000 });
    expect(JSON.parse(json.out)).toMatchObject({ type: "bucket.created", data: { bucket } });

    const res = await fetch(`${server.endpoint}/_bleepstore/admin/notifications/targets`, { headers: { authorization: `Bearer ${token}` } });
    expect(await res.json()).toEqual([expect.objectContaining({ id: "hook", arn: "arn:bleepstore:sqs:us-east-1::hook", kind: "webhook", where: "http://127.0.0.1:1/nowhere" })]);

    // The webhook target cannot be reached: a bucket notifying it keeps its events pending, and an export says so.
    await s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket, NotificationConfiguration: { QueueConfigurations: [{ QueueArn: "arn:bleepstore:sqs:us-east-1::hook", Events: ["s3:ObjectCreated:*"] }] },
    }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "third", Body: "3" }));
    const exported = await (await fetch(`${server.endpoint}/_bleepstore/admin/metadata?tables=buckets&include_events=true`, { headers: { authorization: `Bearer ${token}` } })).json() as {
      bleepstore_export: { extra?: { undelivered_events: Array<{ type: string; data: Record<string, unknown> }> } };
    };
    const pending = exported.bleepstore_export.extra?.undelivered_events ?? [];
    expect(pending.map((e) => [e.type, e.data.key ?? null])).toContainEqual(["object.created", "third"]);
    // A webhook has no connection to lose: after max_retries failed POSTs in a row it is reported down.
    await until(async () => {
      const [t] = await (await fetch(`${server.endpoint}/_bleepstore/admin/notifications/targets`, { headers: { authorization: `Bearer ${token}` } })).json() as Array<{ connected: boolean; pending: number }>;
      return t!.connected === false && t!.pending > 0;
    }, "the unreachable webhook reported down with events pending", 20_000);
  });
});

// Cluster mode across real processes: two BleepStore nodes on one etcd (Debian's etcd-server, loopback)
// and one shared object directory. What one node acknowledges, the other serves at once (bucket
// settings, ACLs, objects, credentials); a multipart upload moves between nodes; background work runs
// on one node and moves when that node dies; the embedded engines refuse cluster mode.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, PutBucketAclCommand,
  PutBucketVersioningCommand, PutObjectAclCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { etcdUnavailable, startEtcd, type Etcd } from "./helpers/etcd.ts";
import { haproxyUnavailable, startHaproxy } from "./helpers/haproxy.ts";
import { sharedMasterKey } from "./helpers/master-key.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, EXTERNAL_ENDPOINT, runCli, SECRET_KEY, startServer, type TestServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(120_000);
const TOKEN = "cluster-admin-token";

if (!EXTERNAL_ENDPOINT && !process.env.BLEEPSTORE_BINARY && requires("etcd", etcdUnavailable())) {
  const balanced = requires("haproxy", haproxyUnavailable());
  let etcd: Etcd;
  let shared: string;
  let master: Record<string, string>;
  let a: TestServer;
  let b: TestServer;
  let s3a: S3Client;
  let s3b: S3Client;
  const hook: Array<{ id: string; type: string; key?: string }> = [];
  let receiver: ReturnType<typeof Bun.serve>;
  const env = (node: string): Record<string, string> => ({
    BLEEPSTORE_METADATA_ENGINE: "etcd", BLEEPSTORE_METADATA_ETCD_ENDPOINTS: etcd.endpoints.join(","), BLEEPSTORE_METADATA_ETCD_PREFIX: "cluster",
    BLEEPSTORE_STORAGE_LOCAL_ROOT_DIR: shared, BLEEPSTORE_CLUSTER_ENABLED: "true", BLEEPSTORE_CLUSTER_NODE_ID: node,
    BLEEPSTORE_CLUSTER_LEASE_TTL_SECONDS: "3", BLEEPSTORE_ADMIN_TOKEN: TOKEN, ...master,
    BLEEPSTORE_QUEUE_ENABLED: "true", BLEEPSTORE_QUEUE_BACKEND: "webhook", BLEEPSTORE_QUEUE_WEBHOOK_URL: `http://127.0.0.1:${receiver.port}/`,
  });
  beforeAll(async () => {
    receiver = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      async fetch(req) {
        const e = (await req.json()) as { id: string; type: string; data: { key?: string } };
        hook.push({ id: e.id, type: e.type, ...(e.data.key ? { key: e.data.key } : {}) });
        return new Response(null, { status: 204 });
      },
    });
    etcd = await startEtcd();
    shared = mkdtempSync(join(tmpdir(), "bleepstore-shared-"));
    master = sharedMasterKey(shared);
    a = await startServer({ env: env("node-a") });
    b = await startServer({ env: env("node-b") });
    s3a = awsClient(a.endpoint);
    s3b = awsClient(b.endpoint);
  }, 120_000);
  afterAll(async () => {
    await a?.[Symbol.asyncDispose]();
    await b?.[Symbol.asyncDispose]();
    await etcd?.[Symbol.asyncDispose]();
    await receiver?.stop(true);
    if (shared) rmSync(shared, { recursive: true, force: true });
  });

  const text = async (s3: S3Client, bucket: string, key: string) => (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
  const admin = (server: TestServer, path: string, init: RequestInit = {}) =>
    fetch(`${server.endpoint}/_bleepstore/admin${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...(init.headers ?? {}) } });

  describe("cluster mode on etcd, two nodes", () => {
    test("what one node acknowledges the other serves at once: objects, bucket settings and ACLs, credentials", async () => {
      const bucket = bucketName("cl");
      await s3a.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3a.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v1" }));
      // Read (and cached, were there caches that could go stale) on A; changed on B; read on A.
      expect(await text(s3a, bucket, "k")).toBe("v1");
      expect(await text(s3b, bucket, "k")).toBe("v1");
      await s3b.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v2" }));
      expect(await text(s3a, bucket, "k")).toBe("v2");
      await s3b.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
      expect(await s3ErrorCode(s3a.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })))).toBe("NoSuchKey");

      // Object ACL: a small object (cached by storage id on A once read) made public on B is public on A.
      await s3a.send(new PutObjectCommand({ Bucket: bucket, Key: "small", Body: "s1" }));
      expect(await text(s3a, bucket, "small")).toBe("s1");
      expect((await fetch(`${a.endpoint}/${bucket}/small`)).status).toBe(403);
      await s3b.send(new PutObjectAclCommand({ Bucket: bucket, Key: "small", ACL: "public-read" }));
      expect(await (await fetch(`${a.endpoint}/${bucket}/small`)).text()).toBe("s1");
      // Overwritten on B: A's cached bytes were the old storage id's; it serves the new ones.
      await s3b.send(new PutObjectCommand({ Bucket: bucket, Key: "small", Body: "s2" }));
      expect(await text(s3a, bucket, "small")).toBe("s2");

      // Bucket ACL: anonymous reads refused on A, then allowed on A the moment B made the bucket public.
      await s3a.send(new PutObjectCommand({ Bucket: bucket, Key: "pub", Body: "public" }));
      expect((await fetch(`${a.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
      await s3b.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
      expect((await fetch(`${a.endpoint}/${bucket}?list-type=2`)).status).toBe(200);
      // Versioning enabled on B: A's next write makes a version.
      await s3b.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
      const put = await s3a.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "x" }));
      expect(put.VersionId).toMatch(/^[0-9a-f]{32}$/);

      // A key pair created on B signs requests A accepts at once; revoked on B, A refuses at once.
      const made = await (await admin(b, "/credentials", { method: "POST", body: JSON.stringify({ accessKey: "CLUSTERKEY1", secretKey: "cluster-secret-1" }) })).json() as { accessKey: string };
      expect(made.accessKey).toBe("CLUSTERKEY1");
      const other = awsClient(a.endpoint, { accessKeyId: "CLUSTERKEY1", secretAccessKey: "cluster-secret-1" });
      await other.send(new CreateBucketCommand({ Bucket: `${bucket}-k` }));
      expect((await admin(b, "/credentials/CLUSTERKEY1", { method: "DELETE" })).status).toBe(204);
      expect(await s3ErrorCode(other.send(new CreateBucketCommand({ Bucket: `${bucket}-k2` })))).toBe("InvalidAccessKeyId");
    });

    test("a multipart upload started on A, with parts through both nodes, completes on B and reads back on A", async () => {
      const bucket = bucketName("mp");
      await s3a.send(new CreateBucketCommand({ Bucket: bucket }));
      const part = (c: string) => Buffer.alloc(5 * 1024 * 1024, c);
      const { UploadId } = await s3a.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big" }));
      const p1 = await s3a.send(new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 1, Body: part("a") }));
      const p2 = await s3b.send(new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 2, Body: part("b") }));
      await s3b.send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: "big", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
      }));
      const got = Buffer.from(await (await s3a.send(new GetObjectCommand({ Bucket: bucket, Key: "big" }))).Body!.transformToByteArray());
      expect(got.length).toBe(10 * 1024 * 1024);
      expect(got.equals(Buffer.concat([part("a"), part("b")]))).toBe(true);
      // Each node keeps its temp files apart in the shared directory.
      expect(readdirSync(join(shared, ".tmp")).sort()).toEqual(["node-a", "node-b"]);
    });

    test("cluster status lists both nodes and who runs each job; events are delivered once by one node, and by the other when it dies", async () => {
      const res = await admin(a, "/cluster");
      expect(res.status).toBe(200);
      const status = await res.json() as { node: string; nodes: Array<{ id: string }>; jobs: Record<string, string>; engine: { leader: string } };
      expect(status.node).toBe("node-a");
      expect(status.nodes.map((n) => n.id).sort()).toEqual(["node-a", "node-b"]);
      expect(status.engine.leader).toBe("m0");
      const cli = await runCli(["cluster", "status", "--endpoint", b.endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
      expect(cli.code).toBe(0);
      expect(cli.out).toContain("node-b (this)");
      expect(cli.out).toContain("etcd leader: m0");

      const bucket = bucketName("ev");
      await s3a.send(new CreateBucketCommand({ Bucket: bucket }));
      for (let i = 0; i < 10; i++) await (i % 2 ? s3a : s3b).send(new PutObjectCommand({ Bucket: bucket, Key: `e${i}`, Body: "e" }));
      const created = () => new Set(hook.filter((e) => e.type === "object.created").map((e) => e.key));
      await until(() => [...Array(10).keys()].every((i) => created().has(`e${i}`)), "the events of writes on both nodes delivered");
      const holder = (await (await admin(a, "/cluster")).json() as { jobs: Record<string, string> }).jobs.events;
      expect(["node-a", "node-b"]).toContain(holder!);
      // Metrics per node: each says which node it is and which jobs it runs.
      const holderNode = holder === "node-a" ? a : b;
      const metrics = await (await fetch(`${holderNode.endpoint}/metrics`)).text();
      expect(metrics).toContain(`bleepstore_cluster_node{node="${holder}"} 1`);
      expect(metrics).toContain(`bleepstore_cluster_job_held{node="${holder}",job="events"} 1`);
      // The node delivering events dies; the other takes delivery over once its lease ends (3 s).
      const [dead, alive, s3alive] = holder === "node-a" ? [a, b, s3b] : [b, a, s3a];
      await dead.kill9();
      for (let i = 0; i < 5; i++) await s3alive.send(new PutObjectCommand({ Bucket: bucket, Key: `after${i}`, Body: "e" }));
      await until(() => [...Array(5).keys()].every((i) => created().has(`after${i}`)), "events delivered by the surviving node", 30_000);
      const after = await (await admin(alive, "/cluster")).json() as { nodes: Array<{ id: string }>; jobs: Record<string, string> };
      expect(after.jobs.events).toBe(holder === "node-a" ? "node-b" : "node-a");
      await until(async () => ((await (await admin(alive, "/cluster")).json()) as { nodes: unknown[] }).nodes.length === 1, "the dead node's registration gone", 30_000);
      // Each event at most a few times (at least once), never lost.
      const ids = hook.map((e) => e.id);
      console.log(`cluster: ${ids.length} deliveries of ${new Set(ids).size} events`);
      await dead.restart();
    });

    test("a node killed between a Complete's commit and the clean-up of its parts, never restarted: the node that runs reconciliation cleans them up", async () => {
      const stored = () => readdirSync(shared).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(join(shared, d)));
      await using c = await startServer({ env: { ...env("node-c"), BLEEPSTORE_FAILPOINT: "complete-committed" } });
      const s3c = awsClient(c.endpoint);
      const bucket = bucketName("left");
      await s3a.send(new CreateBucketCommand({ Bucket: bucket }));
      const before = stored().length;
      const { UploadId } = await s3c.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "k" }));
      const { ETag } = await s3c.send(new UploadPartCommand({ Bucket: bucket, Key: "k", UploadId, PartNumber: 1, Body: "one part" }));
      const complete = s3c.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "k", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
      expect(await complete.then(() => "answered", () => "failed")).toBe("failed");
      await c.kill9();
      expect(await text(s3a, bucket, "k")).toBe("one part");
      // The part's data and the object's: the part's record still points at the first.
      expect(stored().length).toBe(before + 2);
      // The job's holder runs it; a job node C held lapses with it (3 s), and the next node that asks takes it.
      const holder = ((await (await admin(a, "/cluster")).json()) as { jobs: Record<string, string> }).jobs.reconcile;
      if (holder === "node-c") await Bun.sleep(3500);
      expect((await admin(holder === "node-b" ? b : a, "/reconcile", { method: "POST" })).status).toBe(200);
      expect(stored().length).toBe(before + 1);
      expect(await text(s3b, bucket, "k")).toBe("one part");
    });

    test.skipIf(!balanced)("behind HAProxy (round robin): signed requests through the balancer verify on every node and see one store", async () => {
      await using balancer = await startHaproxy([a.endpoint, b.endpoint]);
      const s3 = awsClient(balancer.endpoint);
      const bucket = bucketName("lb");
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      for (let i = 0; i < 10; i++) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: `v${i}` }));
        // The next request goes to the other node: it reads what this one wrote.
        expect(await text(s3, bucket, `k${i}`)).toBe(`v${i}`);
      }
    });

    test("encryption across nodes: SSE-S3 and SSE-KMS objects read on the other node; a key disabled on one node is refused by the other at once; a node with another master key does not start", async () => {
      const bucket = bucketName("sse");
      await s3a.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3a.send(new PutObjectCommand({ Bucket: bucket, Key: "s3", Body: "sse-s3 on a", ServerSideEncryption: "AES256" }));
      expect(await text(s3b, bucket, "s3")).toBe("sse-s3 on a");
      const created = await admin(a, "/kms/keys", { method: "POST", body: JSON.stringify({ alias: "alias/cluster" }) });
      expect(created.status).toBe(201);
      const key = await created.json() as { keyId: string; arn: string };
      const put = await s3b.send(new PutObjectCommand({ Bucket: bucket, Key: "kms", Body: "sse-kms on b", ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/cluster" }));
      expect(put.SSEKMSKeyId).toBe(key.arn);
      // The default key is one key whichever node made it first.
      const byDefault = await Promise.all([s3a, s3b].map((s3, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: `default-${i}`, Body: "d", ServerSideEncryption: "aws:kms" }))));
      expect(byDefault[0]!.SSEKMSKeyId).toBe(byDefault[1]!.SSEKMSKeyId!);
      expect(await text(s3a, bucket, "kms")).toBe("sse-kms on b");
      expect((await admin(a, `/kms/keys/${encodeURIComponent("alias/cluster")}/disable`, { method: "POST" })).status).toBe(200);
      expect(await s3ErrorCode(s3b.send(new GetObjectCommand({ Bucket: bucket, Key: "kms" })))).toBe("KMS.DisabledException");
      expect((await admin(b, `/kms/keys/${key.keyId}/enable`, { method: "POST" })).status).toBe(200);
      expect(await text(s3a, bucket, "kms")).toBe("sse-kms on b");
      expect(await text(s3b, bucket, "kms")).toBe("sse-kms on b");

      // A third node that would generate a master key of its own refuses to start, and leaves no key behind.
      const dataDir = mkdtempSync(join(tmpdir(), "bleepstore-other-key-"));
      try {
        const { BLEEPSTORE_ENCRYPTION_MASTER_KEY_FILE: _, ...withoutKey } = env("node-c");
        const r = await runCli(["--port", "0", "--data-dir", dataDir], { env: withoutKey, timeoutMs: 60_000 });
        expect(r.code).toBe(1);
        expect(r.err).toContain("is not the one this metadata was written with (it was just generated, and is removed again)");
        expect(readdirSync(dataDir)).not.toContain("master.key");
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    test("a console session begun on one node works on the other, and signing out on that one ends it on both", async () => {
      const consoleAt = (node: TestServer, path: string, init: RequestInit = {}) => fetch(`${node.endpoint}/_bleepstore/console${path}`, init);
      const bucket = bucketName("tail");
      await awsClient(a.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
      const signIn = await consoleAt(a, "/api/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }) });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
      const { csrf } = await signIn.json() as { csrf: string };
      expect((await consoleAt(b, "/s3/", { headers: { cookie } })).status).toBe(200);
      // Node B's server page lists both nodes; its event tail shows a write made through node A.
      type View = { cluster: { node: string; nodes: Array<{ id: string }> } };
      const server = await (await consoleAt(b, "/api/server", { headers: { cookie } })).json() as View;
      const onA = await (await consoleAt(a, "/api/server", { headers: { cookie } })).json() as View;
      // (A node killed by an earlier test stays listed until its lease lapses.)
      expect(server.cluster.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([server.cluster.node, onA.cluster.node]));
      expect(server.cluster.node).not.toBe(onA.cluster.node);
      const tail = consoleAt(b, "/api/events?after=-1&wait_ms=20000&prefix=tailed/", { headers: { cookie } });
      await Bun.sleep(300);
      await awsClient(a.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: "tailed/one", Body: "x" }));
      const seen = await (await tail).json() as { events: Array<{ type: string; data: { key: string } }> };
      expect(seen.events.map((e) => `${e.type} ${e.data.key}`)).toEqual(["object.created tailed/one"]);
      expect((await consoleAt(b, "/api/session", { method: "DELETE", headers: { cookie, "x-bleepstore-csrf": csrf } })).status).toBe(204);
      expect((await consoleAt(a, "/api/session", { headers: { cookie } })).status).toBe(401);
      expect((await consoleAt(b, "/s3/", { headers: { cookie } })).status).toBe(401);
    });

    test("the embedded engines refuse cluster mode with one line", async () => {
      const r = await runCli(["--port", "0", "--check"], { env: { BLEEPSTORE_CLUSTER_ENABLED: "true" } });
      expect(r.code).toBe(1);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toContain("cluster.enabled needs a shared metadata engine (metadata.engine: etcd, dynamodb or firestore); sqlite belongs to one process");
      const cosmos = await runCli(["--port", "0", "--check"], { env: { BLEEPSTORE_CLUSTER_ENABLED: "true", BLEEPSTORE_METADATA_ENGINE: "cosmos" } });
      expect(cosmos.code).toBe(1);
      expect(cosmos.err.trim().split("\n")).toHaveLength(1);
      expect(cosmos.err).toContain("cluster.enabled is not available with metadata.engine cosmos");
    });
  });
}

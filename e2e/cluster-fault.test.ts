// The cluster under faults: 3 etcd members, 3 BleepStore nodes on one shared object directory, 16
// clients going round the nodes with PUT/GET/DELETE/CopyObject/multipart over a few hundred keys;
// meanwhile one BleepStore node is killed (-9) and restarted, then the etcd leader. Every operation's
// invoke and complete time and result is recorded and the history checked (helpers/history.ts): no
// read older than a write acknowledged before it began, nothing never written visible, every
// acknowledged write there at the end (or replaced by a later one), byte-exact; no temp file or
// orphan left once the nodes settle.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { etcdUnavailable, startEtcd, type Etcd } from "./helpers/etcd.ts";
import { sharedMasterKey } from "./helpers/master-key.ts";
import { describeRun, faultRun, onceClients } from "./helpers/fault-run.ts";
import { requires } from "./helpers/requires.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(600_000);
const SECONDS = Number(process.env.BLEEPSTORE_TEST_FAULT_SECONDS ?? 60);
const KEYS = 300;
const CLIENTS = 16;
const TOKEN = "fault-token";

if (!EXTERNAL_ENDPOINT && !process.env.BLEEPSTORE_BINARY && requires("etcd", etcdUnavailable())) {
  let etcd: Etcd;
  let shared: string;
  const nodes: TestServer[] = [];
  beforeAll(async () => {
    etcd = await startEtcd(3);
    shared = mkdtempSync(join(tmpdir(), "bleepstore-fault-"));
    const master = sharedMasterKey(shared);
    for (const id of ["n0", "n1", "n2"]) {
      nodes.push(await startServer({
        env: {
          BLEEPSTORE_METADATA_ENGINE: "etcd", BLEEPSTORE_METADATA_ETCD_ENDPOINTS: etcd.endpoints.join(","), BLEEPSTORE_METADATA_ETCD_PREFIX: "fault",
          BLEEPSTORE_METADATA_ETCD_TIMEOUT_MS: "2000", BLEEPSTORE_STORAGE_LOCAL_ROOT_DIR: shared, BLEEPSTORE_CLUSTER_ENABLED: "true",
          BLEEPSTORE_CLUSTER_NODE_ID: id, BLEEPSTORE_CLUSTER_LEASE_TTL_SECONDS: "3", BLEEPSTORE_CLUSTER_RECONCILE_GRACE_SECONDS: "2",
          BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_LOG_LEVEL: "warn", ...master,
        },
      }));
    }
  }, 180_000);
  afterAll(async () => {
    for (const n of nodes) await n[Symbol.asyncDispose]();
    await etcd?.[Symbol.asyncDispose]();
    if (shared) rmSync(shared, { recursive: true, force: true });
  });

  describe("a cluster of 3 etcd members and 3 nodes under load", () => {
    test(`${CLIENTS} clients for ${SECONDS} s; a node killed and restarted, then the etcd leader: the history is linearizable, nothing lost or left over`, async () => {
      const clients = onceClients(nodes.map((n) => awsClient(n.endpoint)));
      const bucket = bucketName("fault");
      await clients[0]!.send(new CreateBucketCommand({ Bucket: bucket }));
      const faults = async () => {
        await Bun.sleep(SECONDS * 250);
        await nodes[1]!.kill9();
        await Bun.sleep(SECONDS * 80);
        await nodes[1]!.restart();
        await Bun.sleep(SECONDS * 170);
        const leader = await etcd.leader();
        await etcd.kill(leader);
        await Bun.sleep(SECONDS * 80);
        await etcd.start(leader);
        // Settled: every node answers before the final state is read.
        await until(async () => (await Promise.all(nodes.map((n) => fetch(`${n.endpoint}/readyz`).then((r) => r.ok, () => false)))).every(Boolean), "every node ready", 60_000);
      };
      const run = await faultRun({ clients, bucket, seconds: SECONDS, keys: KEYS, workers: CLIENTS, faults });
      const { verdict, finals } = run;
      console.log(describeRun("cluster fault run", run));
      expect(verdict.violations.slice(0, 10)).toEqual([]);
      // Failures are refused connections (the killed node), timeouts and 503s (the election), S3 errors
      // of the requests themselves (copying a deleted key): never a 500.
      const internal = nodes.flatMap((n) => n.logs().split("\n").filter((l) => l.includes('"level":"error"')));
      if (internal.length > 0) console.log(internal.slice(0, 5).join("\n"));
      expect(run.failures.get("500") ?? 0).toBe(0);
      expect(verdict.acknowledged).toBeGreaterThan(1000);

      // Nothing left over: no node's temp files, no stored file no record points at.
      const reconciled = await fetch(`${nodes[0]!.endpoint}/_bleepstore/admin/reconcile`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
      expect(reconciled.status).toBe(200);
      const holder = ((await (await fetch(`${nodes[0]!.endpoint}/_bleepstore/admin/cluster`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { jobs: Record<string, string> }).jobs.reconcile;
      const byNode = new Map(nodes.map((n, i) => [`n${i}`, n]));
      await Bun.sleep(2500);
      await fetch(`${byNode.get(holder!)!.endpoint}/_bleepstore/admin/reconcile`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
      for (const node of readdirSync(join(shared, ".tmp"))) expect(readdirSync(join(shared, ".tmp", node))).toEqual([]);
      const stored = readdirSync(shared).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(join(shared, d)));
      const live = [...finals.values()].filter((v) => v !== "").length;
      // Each live key's one version, and parts of multipart uploads a kill left open (their records still point at them).
      expect(stored.length).toBeGreaterThanOrEqual(live);
      const open = await (await fetch(`${nodes[0]!.endpoint}/_bleepstore/admin/status`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { multipart_uploads: number };
      expect(stored.length).toBeLessThanOrEqual(live + open.multipart_uploads);

      // No quorum (2 of 3 members down): not ready, on every node; a write is answered 503.
      await etcd.kill(1);
      await etcd.kill(2);
      await until(async () => (await Promise.all(nodes.map((n) => fetch(`${n.endpoint}/readyz`).then((r) => r.status)))).every((st) => st === 503), "every node not ready without quorum", 30_000);
      const write = await clients[0]!.send(new PutObjectCommand({ Bucket: bucket, Key: "k0", Body: "no quorum" })).then(() => 200, (err) => err.$metadata?.httpStatusCode);
      expect(write).toBe(503);
      await etcd.start(1);
      await etcd.start(2);
      await until(async () => (await fetch(`${nodes[0]!.endpoint}/readyz`)).status === 200, "ready again with quorum", 60_000);
    });
  });
}

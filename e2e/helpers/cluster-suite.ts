// Two BleepStore nodes in cluster mode on a shared cloud metadata engine and Azurite's blob storage:
// what one node acknowledges the other serves at once (objects, ACLs), both registered with each job
// held by one, and a fault run (a node killed -9 and restarted under 16 clients) that is linearizable
// and loses nothing. Used for DynamoDB Local and the Firestore emulator (each inside a network namespace).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, PutBucketAclCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAzurite, type Azurite } from "./azurite.ts";
import { awsClient, bucketName } from "./clients.ts";
import { describeRun, faultRun, onceClients } from "./fault-run.ts";
import { sharedMasterKey } from "./master-key.ts";
import { startServer, type TestServer } from "./server.ts";
import { until } from "./until.ts";

const TOKEN = "cloud-cluster-token";

export interface ClusterEngine extends AsyncDisposable {
  /** The environment that points a node at the engine (metadata.engine and its settings). */
  env: Record<string, string>;
}

/**
 * `engine` is started before the nodes and stopped after them; the fault run lasts `seconds`, and no
 * request of it may be answered 500.
 */
export function cloudClusterSuite(label: string, engine: () => Promise<ClusterEngine>, seconds: number): void {
  let metadata: ClusterEngine | undefined;
  let azurite: Azurite | undefined;
  const nodes: TestServer[] = [];
  let keys = "";
  const name = label.toLowerCase().replace(/[^a-z0-9]+/g, "").slice(0, 8);

  describe(`cluster mode on ${label} and Azurite, two nodes`, () => {
    beforeAll(async () => {
      [metadata, azurite] = await Promise.all([engine(), startAzurite()]);
      keys = mkdtempSync(join(tmpdir(), "bleepstore-cluster-key-"));
      const master = sharedMasterKey(keys);
      for (const id of [`${name}0`, `${name}1`]) {
        nodes.push(await startServer({
          env: {
            ...metadata.env,
            BLEEPSTORE_STORAGE_BACKEND: "azure", BLEEPSTORE_STORAGE_AZURE_CONTAINER: "cluster", BLEEPSTORE_STORAGE_AZURE_CONNECTION_STRING: azurite.connectionString(),
            BLEEPSTORE_CLUSTER_ENABLED: "true", BLEEPSTORE_CLUSTER_NODE_ID: id, BLEEPSTORE_CLUSTER_LEASE_TTL_SECONDS: "3",
            BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_LOG_LEVEL: "warn", ...master,
          },
          // A restart under the fault run's load on an emulator (a Java or Node process sharing the cores) may take longer.
          listenMs: 60_000,
        }));
      }
    }, 180_000);
    afterAll(async () => {
      for (const n of nodes) await n[Symbol.asyncDispose]();
      await Promise.all([metadata?.[Symbol.asyncDispose](), azurite?.[Symbol.asyncDispose]()]);
      if (keys) rmSync(keys, { recursive: true, force: true });
    });

    const text = async (endpoint: string, bucket: string, key: string) =>
      (await (await awsClient(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());

    test("what one node acknowledges the other serves at once; both nodes registered, each job held by one", async () => {
      const [a, b] = nodes as [TestServer, TestServer];
      const bucket = bucketName(`${name}c`);
      await awsClient(a.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
      await awsClient(a.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v1" }));
      expect(await text(b.endpoint, bucket, "k")).toBe("v1");
      await awsClient(b.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v2" }));
      expect(await text(a.endpoint, bucket, "k")).toBe("v2");
      expect((await fetch(`${a.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
      await awsClient(b.endpoint).send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
      expect((await fetch(`${a.endpoint}/${bucket}?list-type=2`)).status).toBe(200);
      const status = await (await fetch(`${a.endpoint}/_bleepstore/admin/cluster`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { nodes: Array<{ id: string }>; jobs: Record<string, string> };
      expect(status.nodes.map((n) => n.id).sort()).toEqual([`${name}0`, `${name}1`]);
      expect([`${name}0`, `${name}1`]).toContain(status.jobs.events!);
      // Each node committed events; the one holding the "events" job delivers them all, whichever wrote them.
      const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
      await until(async () => {
        const { events } = await (await fetch(`${b.endpoint}/_bleepstore/admin/events?after=0&limit=1000`, auth)).json() as { events: Array<{ data: { bucket?: string }; delivered: boolean }> };
        const ours = events.filter((e) => e.data.bucket === bucket);
        return ours.length >= 4 && ours.every((e) => e.delivered);
      }, "every event of both nodes delivered", 30_000);
    });

    test(`16 clients for ${seconds} s, a node killed -9 and restarted: the history is linearizable, nothing lost`, async () => {
      const clients = onceClients(nodes.map((n) => awsClient(n.endpoint)));
      const bucket = bucketName(`${name}f`);
      await clients[0]!.send(new CreateBucketCommand({ Bucket: bucket }));
      const errorsLogged = () => nodes.flatMap((n) => n.logs().split("\n").filter((l) => l.includes('"level":"error"')));
      const run = await faultRun({
        clients, bucket, seconds, keys: 200, workers: 16,
        faults: async () => {
          await Bun.sleep(seconds * 300);
          await nodes[1]!.kill9();
          await Bun.sleep(seconds * 150);
          await nodes[1]!.restart();
          await until(async () => (await Promise.all(nodes.map((n) => fetch(`${n.endpoint}/readyz`).then((r) => r.ok, () => false)))).every(Boolean), "both nodes ready", 60_000);
        },
      }).catch((err: unknown) => {
        // The final reads failed: what the nodes logged says why.
        console.log(`${label} cluster fault run: errors logged\n${errorsLogged().slice(0, 5).join("\n")}`);
        throw err;
      });
      console.log(describeRun(`${label} cluster fault run`, run));
      // What the nodes logged as errors (a 500's cause), for the record.
      const internal = errorsLogged();
      if (internal.length > 0) console.log(`${label} cluster fault run: errors logged\n${internal.slice(0, 5).join("\n")}`);
      expect(run.verdict.violations.slice(0, 10)).toEqual([]);
      expect(run.failures.get("500") ?? 0).toBe(0);
      expect(run.verdict.acknowledged).toBeGreaterThan(seconds * 5);
    });
  });
}

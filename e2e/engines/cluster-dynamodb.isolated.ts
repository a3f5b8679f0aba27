// Inside an isolated network namespace (run by e2e/cluster-dynamodb.test.ts; DynamoDB Local listens on
// every interface): two BleepStore nodes in cluster mode on DynamoDB Local, sharing Azurite's blob
// storage. What one node acknowledges the other serves at once, and the fault run (a node killed -9
// and restarted under 16 clients) is linearizable and loses nothing.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, PutBucketAclCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startAzurite, type Azurite } from "../helpers/azurite.ts";
import { awsClient, bucketName } from "../helpers/clients.ts";
import { startDynamoDbLocal, type DynamoDbLocal } from "../helpers/dynamodb-local.ts";
import { describeRun, faultRun, onceClients } from "../helpers/fault-run.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { until } from "../helpers/until.ts";

setDefaultTimeout(600_000);
const SECONDS = Number(process.env.BLEEPSTORE_TEST_FAULT_SECONDS ?? 60);
const TOKEN = "dynamo-cluster-token";

let dynamo: DynamoDbLocal;
let azurite: Azurite;
const nodes: TestServer[] = [];
beforeAll(async () => {
  [dynamo, azurite] = await Promise.all([startDynamoDbLocal(), startAzurite()]);
  for (const id of ["d0", "d1"]) {
    nodes.push(await startServer({
      env: {
        ...dynamo.env, BLEEPSTORE_METADATA_ENGINE: "dynamodb", BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: dynamo.endpoint, BLEEPSTORE_METADATA_DYNAMODB_TABLE: "cluster",
        BLEEPSTORE_STORAGE_BACKEND: "azure", BLEEPSTORE_STORAGE_AZURE_CONTAINER: "cluster", BLEEPSTORE_STORAGE_AZURE_CONNECTION_STRING: azurite.connectionString(),
        BLEEPSTORE_CLUSTER_ENABLED: "true", BLEEPSTORE_CLUSTER_NODE_ID: id, BLEEPSTORE_CLUSTER_LEASE_TTL_SECONDS: "3",
        BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_LOG_LEVEL: "warn",
      },
    }));
  }
}, 180_000);
afterAll(async () => {
  for (const n of nodes) await n[Symbol.asyncDispose]();
  await Promise.all([dynamo?.[Symbol.asyncDispose](), azurite?.[Symbol.asyncDispose]()]);
});

const text = async (endpoint: string, bucket: string, key: string) =>
  (await (await awsClient(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());

describe("cluster mode on DynamoDB Local and Azurite, two nodes", () => {
  test("what one node acknowledges the other serves at once; both nodes registered, each job held by one", async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const bucket = bucketName("dc");
    await awsClient(a.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
    await awsClient(a.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v1" }));
    expect(await text(b.endpoint, bucket, "k")).toBe("v1");
    await awsClient(b.endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v2" }));
    expect(await text(a.endpoint, bucket, "k")).toBe("v2");
    expect((await fetch(`${a.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
    await awsClient(b.endpoint).send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    expect((await fetch(`${a.endpoint}/${bucket}?list-type=2`)).status).toBe(200);
    const status = await (await fetch(`${a.endpoint}/_bleepstore/admin/cluster`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { nodes: Array<{ id: string }>; jobs: Record<string, string> };
    expect(status.nodes.map((n) => n.id).sort()).toEqual(["d0", "d1"]);
    expect(["d0", "d1"]).toContain(status.jobs.events!);
  });

  test(`16 clients for ${SECONDS} s, a node killed -9 and restarted: the history is linearizable, nothing lost`, async () => {
    const clients = onceClients(nodes.map((n) => awsClient(n.endpoint)));
    const bucket = bucketName("dfault");
    await clients[0]!.send(new CreateBucketCommand({ Bucket: bucket }));
    const run = await faultRun({
      clients, bucket, seconds: SECONDS, keys: 200, workers: 16,
      faults: async () => {
        await Bun.sleep(SECONDS * 300);
        await nodes[1]!.kill9();
        await Bun.sleep(SECONDS * 150);
        await nodes[1]!.restart();
        await until(async () => (await Promise.all(nodes.map((n) => fetch(`${n.endpoint}/readyz`).then((r) => r.ok, () => false)))).every(Boolean), "both nodes ready", 60_000);
      },
    });
    console.log(describeRun("dynamodb cluster fault run", run));
    expect(run.verdict.violations.slice(0, 10)).toEqual([]);
    expect(run.verdict.acknowledged).toBeGreaterThan(300);
  });
});

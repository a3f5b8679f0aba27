// Inside an isolated network namespace (run by e2e/cluster-<engine>.test.ts; DynamoDB Local listens on
// every interface, the emulators' helpers on more ports than the one they are given): two BleepStore
// nodes in cluster mode on the engine BLEEPSTORE_TEST_CLUSTER_ENGINE names — DynamoDB Local or the
// Firestore emulator — sharing Azurite's blob storage (helpers/cluster-suite.ts).
import { setDefaultTimeout } from "bun:test";
import { cloudClusterSuite, type ClusterEngine } from "../helpers/cluster-suite.ts";
import { startDynamoDbLocal } from "../helpers/dynamodb-local.ts";
import { startFirestoreEmulator } from "../helpers/firestore-emulator.ts";

setDefaultTimeout(600_000);

const ENGINES: Record<string, [label: string, start: () => Promise<ClusterEngine>, seconds: number]> = {
  dynamodb: ["DynamoDB Local", async () => {
    const dynamo = await startDynamoDbLocal();
    return {
      env: { ...dynamo.env, BLEEPSTORE_METADATA_ENGINE: "dynamodb", BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: dynamo.endpoint, BLEEPSTORE_METADATA_DYNAMODB_TABLE: "cluster" },
      [Symbol.asyncDispose]: () => dynamo[Symbol.asyncDispose](),
    };
  }, 60],
  firestore: ["the Firestore emulator", async () => {
    const firestore = await startFirestoreEmulator();
    return {
      env: { ...firestore.env, BLEEPSTORE_METADATA_ENGINE: "firestore", BLEEPSTORE_METADATA_FIRESTORE_ENDPOINT: firestore.host, BLEEPSTORE_METADATA_FIRESTORE_PROJECT: "demo-cluster" },
      [Symbol.asyncDispose]: () => firestore[Symbol.asyncDispose](),
    };
  }, 30],
};

const which = process.env.BLEEPSTORE_TEST_CLUSTER_ENGINE ?? "";
const engine = ENGINES[which];
if (!engine) throw new Error(`BLEEPSTORE_TEST_CLUSTER_ENGINE: ${which || "(unset)"}`);
const [label, start, seconds] = engine;
// Both held to the etcd run's rule: never a 500 (and whatever the nodes log as errors is printed).
cloudClusterSuite(label, start, Number(process.env.BLEEPSTORE_TEST_FAULT_SECONDS ?? seconds));

// Inside an isolated network namespace (run by e2e/cloud-engines.test.ts): DynamoDB Local, the
// Firestore emulator and the Cosmos DB emulator (@vercel/cosmosdb-server) started once each, then the
// core e2e files through a BleepStore whose metadata lives in each, the migration
// sqlite → dynamodb → cosmos → firestore → local → sqlite, and --check.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CORE_E2E, runNestedSuite } from "../helpers/nested.ts";
import { startDynamoDbLocal, type DynamoDbLocal } from "../helpers/dynamodb-local.ts";
import { startCosmosEmulator, type CosmosEmulator } from "../helpers/cosmos-emulator.ts";
import { firestoreEmulatorUnavailable, startFirestoreEmulator, type FirestoreEmulator } from "../helpers/firestore-emulator.ts";
import { migrationRoundTrip } from "../helpers/migration.ts";
import { runCli } from "../helpers/server.ts";
import { requires, unless } from "../helpers/requires.ts";

setDefaultTimeout(1_800_000);
const noFirestore = !requires("the Cloud Firestore emulator", firestoreEmulatorUnavailable());

let dynamo: DynamoDbLocal;
let firestore: FirestoreEmulator | undefined;
let cosmos: CosmosEmulator;
const engines: Record<string, (name: string) => Record<string, string>> = {};
beforeAll(async () => {
  [dynamo, firestore, cosmos] = await Promise.all([startDynamoDbLocal(), noFirestore ? undefined : startFirestoreEmulator(), startCosmosEmulator()]);
  engines.cosmos = (name) => ({
    BLEEPSTORE_METADATA_ENGINE: "cosmos", BLEEPSTORE_METADATA_COSMOS_CONNECTION_STRING: cosmos.connectionString, BLEEPSTORE_METADATA_COSMOS_CONTAINER: name,
  });
  engines.dynamodb = (name) => ({
    ...dynamo.env, BLEEPSTORE_METADATA_ENGINE: "dynamodb", BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: dynamo.endpoint, BLEEPSTORE_METADATA_DYNAMODB_TABLE: name,
  });
  if (firestore) {
    engines.firestore = (name) => ({
      ...firestore!.env, BLEEPSTORE_METADATA_ENGINE: "firestore", BLEEPSTORE_METADATA_FIRESTORE_ENDPOINT: firestore!.host,
      BLEEPSTORE_METADATA_FIRESTORE_PROJECT: "demo-bleepstore", BLEEPSTORE_METADATA_FIRESTORE_COLLECTION: name,
    });
  }
});
afterAll(async () => {
  await Promise.all([dynamo?.[Symbol.asyncDispose](), firestore?.[Symbol.asyncDispose](), cosmos?.[Symbol.asyncDispose]()]);
});

for (const engine of ["dynamodb", "firestore", "cosmos"]) {
  describe.skipIf(engine === "firestore" && !!noFirestore)(`metadata.engine: ${engine} (emulator)`, () => {
    test("the core e2e files", async () => {
      const { code, summary } = await runNestedSuite(CORE_E2E, engines[engine]!("core-e2e"), `metadata ${engine}`);
      expect(summary).toMatch(/^ 0 fail$/m);
      expect(summary).toMatch(/^ [1-9]\d* pass$/m);
      expect(code).toBe(0);
    });

    test("--check: reachable → config OK", async () => {
      const r = await runCli(["--check"], { env: engines[engine]!("check") });
      expect(r.err).toBe("");
      expect(r.out).toMatch(/config OK\n$/);
      expect(r.code).toBe(0);
    });
  });
}

test.skipIf(!!noFirestore)("migration: sqlite → dynamodb → cosmos → firestore → local → sqlite, each served the same; the last export is the first", async () => {
  await migrationRoundTrip(
    engines.dynamodb!("migration"),
    engines.cosmos!("migration"),
    engines.firestore!("migration"),
    { BLEEPSTORE_METADATA_ENGINE: "local" },
    { BLEEPSTORE_METADATA_ENGINE: "sqlite", BLEEPSTORE_METADATA_SQLITE_PATH: "metadata-again.db" },
  );
});

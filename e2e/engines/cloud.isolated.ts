// Inside an isolated network namespace (run by e2e/cloud-<engine>.test.ts, one engine per file so the
// parallel test run can spread them): the emulator(s) the engine named by BLEEPSTORE_TEST_CLOUD_ENGINE
// needs, started once — DynamoDB Local, the Firestore emulator or the Cosmos DB emulator
// (@vercel/cosmosdb-server) — then each core e2e file through a BleepStore whose metadata lives in a
// table, collection or container of that file's own (an emulator without an index scans the whole
// container per query: files sharing one paid for every other file's objects), and --check. With
// "migration": all three, and the chain sqlite → dynamodb → cosmos → firestore → local → sqlite.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { sharedMasterKey } from "../helpers/master-key.ts";
import { CORE_E2E, runNestedSuite } from "../helpers/nested.ts";
import { startDynamoDbLocal, type DynamoDbLocal } from "../helpers/dynamodb-local.ts";
import { startCosmosEmulator, type CosmosEmulator } from "../helpers/cosmos-emulator.ts";
import { firestoreEmulatorUnavailable, startFirestoreEmulator, type FirestoreEmulator } from "../helpers/firestore-emulator.ts";
import { migrationRoundTrip } from "../helpers/migration.ts";
import { runCli } from "../helpers/server.ts";
import { requires } from "../helpers/requires.ts";

setDefaultTimeout(1_800_000);
const ENGINES = ["dynamodb", "firestore", "cosmos"] as const;
type Engine = (typeof ENGINES)[number];
const which = process.env.BLEEPSTORE_TEST_CLOUD_ENGINE ?? "";
if (which !== "migration" && !(ENGINES as readonly string[]).includes(which)) throw new Error(`BLEEPSTORE_TEST_CLOUD_ENGINE: ${which || "(unset)"}`);
const wanted = (e: Engine) => which === e || which === "migration";
const noFirestore = wanted("firestore") && !requires("the Cloud Firestore emulator", firestoreEmulatorUnavailable());

let dynamo: DynamoDbLocal | undefined;
let firestore: FirestoreEmulator | undefined;
let cosmos: CosmosEmulator | undefined;
const engines: Partial<Record<Engine, (name: string) => Record<string, string>>> = {};
// The servers of one table, collection or container share its metadata, so one master key.
const keys = mkdtempSync(join(tmpdir(), "bleepstore-cloud-key-"));
const master = sharedMasterKey(keys);
beforeAll(async () => {
  [dynamo, firestore, cosmos] = await Promise.all([
    wanted("dynamodb") ? startDynamoDbLocal() : undefined,
    wanted("firestore") && !noFirestore ? startFirestoreEmulator() : undefined,
    wanted("cosmos") ? startCosmosEmulator() : undefined,
  ]);
  if (cosmos) {
    const c = cosmos;
    engines.cosmos = (name) => ({
      BLEEPSTORE_METADATA_ENGINE: "cosmos", BLEEPSTORE_METADATA_COSMOS_CONNECTION_STRING: c.connectionString, BLEEPSTORE_METADATA_COSMOS_CONTAINER: name, ...master,
    });
  }
  if (dynamo) {
    const d = dynamo;
    engines.dynamodb = (name) => ({
      ...d.env, BLEEPSTORE_METADATA_ENGINE: "dynamodb", BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: d.endpoint, BLEEPSTORE_METADATA_DYNAMODB_TABLE: name, ...master,
    });
  }
  if (firestore) {
    const f = firestore;
    engines.firestore = (name) => ({
      ...f.env, BLEEPSTORE_METADATA_ENGINE: "firestore", BLEEPSTORE_METADATA_FIRESTORE_ENDPOINT: f.host,
      BLEEPSTORE_METADATA_FIRESTORE_PROJECT: "demo-bleepstore", BLEEPSTORE_METADATA_FIRESTORE_COLLECTION: name, ...master,
    });
  }
});
afterAll(async () => {
  await Promise.all([dynamo?.[Symbol.asyncDispose](), firestore?.[Symbol.asyncDispose](), cosmos?.[Symbol.asyncDispose]()]);
  rmSync(keys, { recursive: true, force: true });
});

if (which !== "migration") {
  const engine = which as Engine;
  describe.skipIf(noFirestore)(`metadata.engine: ${engine} (emulator)`, () => {
    test.each(CORE_E2E.map((f) => [basename(f, ".test.ts"), f] as const))("the core e2e file %s", async (name, file) => {
      const { code, summary } = await runNestedSuite([file], engines[engine]!(`core-${name}`), `metadata ${engine} ${name}`);
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
} else {
  test.skipIf(noFirestore)("migration: sqlite → dynamodb → cosmos → firestore → local → sqlite, each served the same; the last export is the first", async () => {
    await migrationRoundTrip(
      engines.dynamodb!("migration"),
      engines.cosmos!("migration"),
      engines.firestore!("migration"),
      { BLEEPSTORE_METADATA_ENGINE: "local" },
      { BLEEPSTORE_METADATA_ENGINE: "sqlite", BLEEPSTORE_METADATA_SQLITE_PATH: "metadata-again.db" },
    );
  });
}

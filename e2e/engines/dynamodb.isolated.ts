// Inside an isolated network namespace (run by e2e/cloud-engines.test.ts): DynamoDB Local started
// once, then the core e2e files through a BleepStore whose metadata lives in it, and the migration
// sqlite → meta export → meta import into dynamodb → the same objects served → export identical.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CORE_E2E, runNestedSuite } from "../helpers/nested.ts";
import { startDynamoDbLocal, type DynamoDbLocal } from "../helpers/dynamodb-local.ts";
import { migrationRoundTrip } from "../helpers/migration.ts";
import { runCli } from "../helpers/server.ts";

setDefaultTimeout(900_000);
let emulator: DynamoDbLocal;
let env: Record<string, string>;
beforeAll(async () => {
  emulator = await startDynamoDbLocal();
  env = { ...emulator.env, BLEEPSTORE_METADATA_ENGINE: "dynamodb", BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: emulator.endpoint };
});
afterAll(async () => {
  await emulator?.[Symbol.asyncDispose]();
});

describe("metadata.engine: dynamodb (DynamoDB Local)", () => {
  test("the core e2e files", async () => {
    const { code, summary } = await runNestedSuite(CORE_E2E, { ...env, BLEEPSTORE_METADATA_DYNAMODB_TABLE: "core-e2e" }, "metadata dynamodb");
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  });

  test("migration: sqlite → dynamodb → local → sqlite, each served the same; the last export is the first", async () => {
    await migrationRoundTrip(
      { ...env, BLEEPSTORE_METADATA_DYNAMODB_TABLE: "migration" },
      { BLEEPSTORE_METADATA_ENGINE: "local" },
      { BLEEPSTORE_METADATA_ENGINE: "sqlite", BLEEPSTORE_METADATA_SQLITE_PATH: "metadata-again.db" },
    );
  });

  test("--check: reachable → config OK", async () => {
    const r = await runCli(["--check"], { env: { ...env, BLEEPSTORE_METADATA_DYNAMODB_TABLE: "check" } });
    expect(r.err).toBe("");
    expect(r.out).toMatch(/config OK\n$/);
    expect(r.code).toBe(0);
  });
});

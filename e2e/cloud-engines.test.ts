// The cloud metadata engines against their real emulators. DynamoDB Local listens on every interface,
// so these runs (the `*.isolated.ts` files) happen inside a new network namespace with only loopback
// (helpers/isolated.ts): DynamoDB's contract on a fresh table per test, then the core e2e files and
// --check through a BleepStore on dynamodb, firestore and cosmos, and the migration chain
// sqlite → dynamodb → cosmos → firestore → local → sqlite. (Firestore's and Cosmos's contracts run in
// test/metadata/, on loopback.)
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { dynamoDbLocalUnavailable } from "./helpers/dynamodb-local.ts";
import { isolationUnavailable, runIsolatedSuite } from "./helpers/isolated.ts";
import { EXTERNAL_ENDPOINT } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";

setDefaultTimeout(1_200_000);
// Inside a nested run (or against another server or binary run) these are not repeated.
const nested = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_METADATA_ENGINE || !!process.env.BLEEPSTORE_STORAGE_BACKEND;
const dynamodbMissing = !nested && !requires("the cloud engines' e2e runs (a network namespace, DynamoDB Local)", isolationUnavailable() ?? dynamoDbLocalUnavailable());

describe.skipIf(nested || !!dynamodbMissing)("metadata engines dynamodb, firestore and cosmos on their emulators", () => {
  test("dynamodb's contract; core e2e files, --check and the migration chain on each; in an isolated network namespace", async () => {
    const { code, summary, output } = await runIsolatedSuite(["./test/metadata/dynamodb.isolated.ts", "./e2e/engines/cloud.isolated.ts"], {}, "cloud engines");
    // Every case by name, so the run's log shows what was tested inside.
    console.log(output.split("\n").filter((l) => /^\((pass|fail|skip)\)/.test(l)).map((l) => `  [isolated] ${l}`).join("\n"));
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  });
});

// Cluster mode on a cloud engine: two nodes on DynamoDB Local sharing Azurite, in a network namespace
// of their own (DynamoDB Local listens on every interface): e2e/engines/cluster-dynamodb.isolated.ts.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { dynamoDbLocalUnavailable } from "./helpers/dynamodb-local.ts";
import { isolationUnavailable, runIsolatedSuite } from "./helpers/isolated.ts";
import { requires } from "./helpers/requires.ts";
import { EXTERNAL_ENDPOINT } from "./helpers/server.ts";

setDefaultTimeout(900_000);
const nested = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_METADATA_ENGINE || !!process.env.BLEEPSTORE_STORAGE_BACKEND;
const missing = nested ? true : !requires("the dynamodb cluster run's network namespace and DynamoDB Local", isolationUnavailable() ?? dynamoDbLocalUnavailable());

describe.skipIf(missing)("cluster mode on DynamoDB Local and Azurite", () => {
  test("two nodes: cross-node reads, jobs, and a fault run with a node killed", async () => {
    const { code, summary, output } = await runIsolatedSuite(["./e2e/engines/cluster-dynamodb.isolated.ts"], {}, "cluster dynamodb");
    console.log(output.split("\n").filter((l) => /^\((pass|fail|skip)\)|fault run:/.test(l)).map((l) => `  [isolated] ${l}`).join("\n"));
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  });
});

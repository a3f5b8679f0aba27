// The metadata contract on DynamoDB Local, a fresh table per test. Run inside an isolated network
// namespace by e2e/cloud-dynamodb.test.ts (DynamoDB Local listens on every interface).
import { afterAll, beforeAll, setDefaultTimeout } from "bun:test";
import { DynamoMetadataStore } from "../../src/metadata/dynamodb.ts";
import { startDynamoDbLocal, type DynamoDbLocal } from "../../e2e/helpers/dynamodb-local.ts";
import { metadataContract } from "../contract/metadata.contract.ts";

setDefaultTimeout(120_000);
let emulator: DynamoDbLocal;
beforeAll(async () => {
  emulator = await startDynamoDbLocal();
  Object.assign(process.env, emulator.env);
});
afterAll(async () => {
  await emulator?.[Symbol.asyncDispose]();
});

let table = "";
let n = 0;
const store = () => new DynamoMetadataStore({ table, region: "us-east-1", endpoint: emulator.endpoint, createIfMissing: true });
metadataContract("dynamodb", async () => {
  table = `contract-${++n}-${Date.now()}`;
  return store();
}, undefined, async () => {
  const twin = store();
  await twin.init();
  return twin;
});

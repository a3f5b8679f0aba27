// The metadata contract on the Cosmos DB emulator of @vercel/cosmosdb-server (loopback, plain http),
// a fresh container per test.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { CosmosMetadataStore } from "../../src/metadata/cosmos.ts";
import { startCosmosEmulator, type CosmosEmulator } from "../../e2e/helpers/cosmos-emulator.ts";
import { metadataContract } from "../contract/metadata.contract.ts";

setDefaultTimeout(120_000);
let emulator: CosmosEmulator;
beforeAll(async () => {
  emulator = await startCosmosEmulator();
});
afterAll(async () => {
  await emulator?.[Symbol.asyncDispose]();
});

let n = 0;
metadataContract("cosmos", async () =>
  new CosmosMetadataStore({ database: "bleepstore", container: `contract-${++n}`, endpoint: "", connectionString: emulator.connectionString, createIfMissing: true }));

// Why cosmos-db.ts builds every batch as reads, then one conditional write, then writes that cannot
// fail: the npm emulator runs a batch marked atomic one operation at a time and keeps what the
// operations before a failing one did (Cosmos DB itself undoes them all). If this starts failing, the
// emulator has learnt to roll back.
test("the npm emulator keeps the done part of a failed atomic batch (a minimal reproduction)", async () => {
  const { CosmosClient, BulkOperationType } = await import("@azure/cosmos");
  const client = new CosmosClient({ endpoint: emulator.endpoint, key: "ZW11bGF0b3I=", connectionPolicy: { enableEndpointDiscovery: false } });
  try {
    const { database } = await client.databases.createIfNotExists({ id: "repro" });
    const { container } = await database.containers.createIfNotExists({ id: "batch", partitionKey: { paths: ["/pk"] } });
    await container.items.upsert({ id: "taken", pk: "p" });
    const response = await container.items.batch([
      { operationType: BulkOperationType.Create, resourceBody: { id: "first", pk: "p" } },
      { operationType: BulkOperationType.Create, resourceBody: { id: "taken", pk: "p" } },
    ], "p");
    expect(response.result?.map((r) => r.statusCode)).toEqual([201, 409]);
    // Cosmos DB: "first" was rolled back (404). The emulator: it stays.
    expect((await container.item("first", "p").read()).resource?.id).toBe("first");
  } finally {
    client.dispose();
  }
});

// The history of delivered events keeps the newest `keep`; pruning counts it, then reads and deletes
// only the oldest beyond that (it used to read every id in the history to delete a few).
test("the delivered events' history keeps the newest, pruned every 64 deliveries", async () => {
  const { CosmosDb } = await import("../../src/metadata/cosmos-db.ts");
  const { CosmosOutbox } = await import("../../src/metadata/cosmos-outbox.ts");
  const db = await CosmosDb.open({ database: "bleepstore", container: "history", endpoint: "", connectionString: emulator.connectionString, createIfMissing: true });
  try {
    const outbox = new CosmosOutbox(db, 10);
    for (let i = 0; i < 64; i++) {
      await db.batch("b", outbox.ops("b", [{ id: `ev-${i}`, type: "object.created", timestamp: Date.now(), requestId: "", data: { n: i } }]));
      const [pending] = await outbox.pending(1);
      await outbox.markDelivered(pending!.seq);
    }
    const kept = await outbox.list(0, 100);
    expect(kept.map((e) => e.data.n)).toEqual(Array.from({ length: 10 }, (_, i) => 54 + i));
    expect(kept.every((e) => e.delivered)).toBe(true);
  } finally {
    db.close();
  }
});

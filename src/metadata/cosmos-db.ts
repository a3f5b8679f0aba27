// The Cosmos DB container behind metadata.engine: cosmos: one container partitioned on /pk, where pk
// is the bucket name (every document of a bucket — the bucket, its keys, versions, uploads, parts and
// their events — shares a logical partition, so one transactional batch can hold an atomic unit) or
// "~credentials". Document ids (at most 255 characters) are built from hashes; keys are fields: k, and
// kx (hex of its UTF-8 bytes, which sorts in S3's order whatever the engine's string collation).
// This module alone loads the SDK (lazily) and maps its errors.
//
// Batches are built in one shape: reads (guards without effect) first, then at most one conditional
// write, then writes that cannot fail once those held. A service that stopped a failed batch without
// undoing it (the npm emulator @vercel/cosmosdb-server does: README) then still changes nothing.
import type { Container, CosmosClient, OperationInput, SqlParameter } from "@azure/cosmos";
import { S3Error } from "../errors.ts";
import { Limiter } from "./limiter.ts";
import { retryRaces } from "./races.ts";

export const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");
export const hash = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest("hex");
export const pad5 = (n: number) => String(n).padStart(5, "0");
export const pad16 = (n: number) => String(n).padStart(16, "0");
export const CREDENTIALS = "~credentials";

export interface CosmosOptions {
  database: string;
  container: string;
  /** https://account.documents.azure.com:443/ (the key in AZURE_COSMOS_KEY), when no connection string. */
  endpoint: string;
  connectionString: string;
  createIfMissing: boolean;
}

/** A document as stored: our fields beside Cosmos's own (_etag, ...). */
export interface Doc {
  id: string;
  pk: string;
  t: string;
  r?: string;
  _etag?: string;
  [field: string]: string | number | boolean | undefined;
}

/** A bucket's "open" document is gone: a DeleteBucket is under way (or crashed half-way). */
export class BucketClosed extends Error {}

/** A batch the service refused at an operation (a guard): its index and status. */
export class Refused extends Error {
  constructor(readonly index: number, readonly status: number) {
    super(`batch refused at operation ${index} (${status})`);
  }
}

const BUSY = new Set([408, 429, 449, 503]);

export function cosmosError(err: unknown): never {
  if (err instanceof S3Error || err instanceof Refused) throw err;
  const code = (err as { code?: number | string }).code;
  if (typeof code === "number" && BUSY.has(code)) throw new S3Error("SlowDown", { cause: err });
  throw new S3Error("InternalError", { message: "The metadata container did not answer as expected.", cause: err });
}

export class CosmosDb {
  private readonly limiter = new Limiter(64);

  /** Told of every batch that went through (the outbox keeps the events it wrote). */
  afterBatch: ((pk: string, operations: OperationInput[]) => void) | undefined;

  private constructor(
    private readonly client: CosmosClient, readonly container: Container, readonly history: Container, readonly ops: typeof import("@azure/cosmos").BulkOperationType,
  ) {}

  static async open(o: CosmosOptions): Promise<CosmosDb> {
    const sdk = await import("@azure/cosmos");
    const fields = Object.fromEntries(o.connectionString.split(";").filter(Boolean).map((p) => {
      const at = p.indexOf("=");
      return [p.slice(0, at).toLowerCase(), p.slice(at + 1)];
    }));
    const endpoint = fields.accountendpoint ?? o.endpoint;
    const key = fields.accountkey ?? process.env.AZURE_COSMOS_KEY ?? "";
    if (!endpoint) throw new Error("metadata.cosmos needs connection_string, or endpoint (with AZURE_COSMOS_KEY, or an Entra ID identity)");
    // No key: @azure/identity's default chain (managed identity, service principal, CLI).
    const auth = key ? { key } : { aadCredentials: await (await import("../azure-identity.ts")).defaultAzureCredential() };
    const client = new sdk.CosmosClient({
      endpoint, ...auth,
      // Over plain http (an emulator) the account's advertised https locations are not to be followed.
      connectionPolicy: { enableEndpointDiscovery: !endpoint.startsWith("http://"), requestTimeout: 10_000 },
    });
    // The metadata, and beside it the delivered events' history (kept apart: it need not be atomic with
    // anything, and queries on the metadata need not wade through it).
    const containers: Container[] = [];
    try {
      for (const id of [o.container, `${o.container}-events`]) {
        if (o.createIfMissing) {
          const { database } = await client.databases.createIfNotExists({ id: o.database });
          containers.push((await database.containers.createIfNotExists({ id, partitionKey: { paths: ["/pk"] } })).container);
        } else {
          const container = client.database(o.database).container(id);
          await container.read();
          containers.push(container);
        }
      }
    } catch (err) {
      client.dispose();
      throw err;
    }
    return new CosmosDb(client, containers[0]!, containers[1]!, sdk.BulkOperationType);
  }

  close(): void {
    this.client.dispose();
  }

  async read(pk: string, id: string): Promise<Doc | undefined> {
    try {
      const { resource } = await this.limiter.run(() => this.container.item(id, pk).read<Doc>());
      return resource ?? undefined;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      cosmosError(err);
    }
  }

  /**
   * A query, in one partition when `pk` is given, else across them; every page. In a partition the
   * filter names it too (the npm emulator applies the partition option to some queries only), so a
   * query's own OR must be in parentheses.
   */
  async query<T = Doc>(query: string, parameters: Record<string, unknown>, pk?: string, container = this.container): Promise<T[]> {
    const sql = pk === undefined ? query : query.replace(" WHERE ", " WHERE c.pk = @pk AND ");
    const all = pk === undefined ? parameters : { ...parameters, "@pk": pk };
    const spec = { query: sql, parameters: Object.entries(all).map(([name, value]) => ({ name, value }) as SqlParameter) };
    try {
      return (await this.limiter.run(() => container.items.query<T>(spec, pk === undefined ? {} : { partitionKey: pk }).fetchAll())).resources;
    } catch (err) {
      cosmosError(err);
    }
  }

  /** A batch in one partition (the shape in this file's header); Refused names the operation that failed. */
  async batch(pk: string, operations: OperationInput[]): Promise<void> {
    // Each operation names its partition too: the npm emulator reads it from there.
    const ops = operations.map((op) => ({ ...op, partitionKey: pk }) as OperationInput);
    for (let i = 0; i < ops.length; i += 100) {
      let response;
      try {
        response = await this.limiter.run(() => this.container.items.batch(ops.slice(i, i + 100), pk));
      } catch (err) {
        cosmosError(err);
      }
      const failed = (response.result ?? []).findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
      if (failed >= 0) {
        const status = response.result![failed]!.statusCode;
        if (BUSY.has(status)) throw new S3Error("SlowDown", { message: "The metadata container is busy." });
        throw new Refused(i + failed, status);
      }
    }
    this.afterBatch?.(pk, operations);
  }

  /** Deletes documents one by one (absent ones are fine). */
  async deleteAll(pk: string, ids: string[], container = this.container): Promise<void> {
    await Promise.all(ids.map(async (id) => {
      try {
        await this.limiter.run(() => container.item(id, pk).delete());
      } catch (err) {
        if ((err as { code?: number }).code !== 404) cosmosError(err);
      }
    }));
  }

  /** Writes one document, whatever was there. */
  async upsert(doc: Doc, container = this.container): Promise<void> {
    try {
      await this.limiter.run(() => container.items.upsert(doc));
    } catch (err) {
      cosmosError(err);
    }
  }
}

/** The record kept in a document's `r`. */
export function rec<T>(doc: Doc | undefined): T | null {
  return doc?.r === undefined ? null : (JSON.parse(doc.r) as T);
}

/** Reruns `step` while its batch lost a race at a guard (412 changed since read, 409 created meanwhile, 404 gone). */
export const retrying = <T>(step: () => Promise<T>): Promise<T> => retryRaces(step, (err) => err instanceof Refused);

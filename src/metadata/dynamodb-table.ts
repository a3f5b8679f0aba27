// The DynamoDB table behind metadata.engine: dynamodb: one table, string partition key `pk` and sort
// key `sk`, one sparse index on `sid` (storage ids, for orphan reconciliation). Every item keeps its
// record as JSON in `r`, a revision token in `rev` for conditional writes, and, on bucket items,
// counters. This module is the only one that speaks the SDK: reads (always strongly consistent),
// paged queries, transactions with their cancellation reasons, batched deletes, and errors mapped to
// S3's. Each call has a deadline; throttling is retried by the SDK with backoff and then answered 503
// SlowDown.
import type {
  AttributeValue, DynamoDBClient, TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { S3Error } from "../errors.ts";
import { Limiter } from "./limiter.ts";
import { Remakes, retryRaces } from "./races.ts";

export type Item = Record<string, AttributeValue>;

/** Requests to the table at once; more wait their turn in the process. */
const MAX_IN_FLIGHT = 64;
type Sdk = typeof import("@aws-sdk/client-dynamodb");

export const S = (value: string): AttributeValue => ({ S: value });
export const N = (value: number): AttributeValue => ({ N: String(value) });
export const key = (pk: string, sk: string): Item => ({ pk: S(pk), sk: S(sk) });
export const newRev = () => crypto.randomUUID();

/** The record kept in an item's `r`. */
export function record<T>(item: Item | undefined): T | null {
  return item?.r?.S === undefined ? null : (JSON.parse(item.r.S) as T);
}
export const num = (item: Item | undefined, name: string): number => Number(item?.[name]?.N ?? 0);

const remakes = new Remakes<TransactWriteItem>();

/** A put that only goes where its key is free; `make` is called again for a new key when it is not. */
export const renumberable = (make: () => TransactWriteItem): TransactWriteItem => remakes.make(make);

/** A transaction the table refused because a condition failed: which items' conditions, by index. */
export class Cancelled extends Error {
  constructor(readonly failed: number[], readonly conflict: boolean) {
    super(`transaction cancelled (conditions failed at ${failed.join(", ") || "none"}${conflict ? "; conflict" : ""})`);
  }
}

export interface TableOptions {
  table: string;
  region: string;
  endpoint: string;
  createIfMissing: boolean;
}

function mapError(err: unknown): never {
  if (err instanceof S3Error || err instanceof Cancelled) throw err;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  switch (e?.name) {
    case "ProvisionedThroughputExceededException":
    case "ThrottlingException":
    case "RequestLimitExceeded":
    case "LimitExceededException":
      throw new S3Error("SlowDown", { cause: err });
  }
  if (e?.$metadata?.httpStatusCode === 503) throw new S3Error("SlowDown", { cause: err });
  throw new S3Error("InternalError", { message: `The metadata table did not answer as expected: ${e?.name ?? "error"}.`, cause: err });
}

export class Table {
  private constructor(private readonly sdk: Sdk, private readonly client: DynamoDBClient, readonly name: string) {}

  /** Connects (the SDK is loaded here, only for this engine) and creates the table if it is missing. */
  static async open(options: TableOptions): Promise<Table> {
    const sdk = await import("@aws-sdk/client-dynamodb");
    const client = new sdk.DynamoDBClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts: 6,
      requestHandler: { requestTimeout: 10_000, connectionTimeout: 5_000 },
    });
    const table = new Table(sdk, client, options.table);
    await table.ensure(options.createIfMissing);
    return table;
  }

  close(): void {
    this.client.destroy();
  }

  private readonly limiter = new Limiter(MAX_IN_FLIGHT);

  private limited<T>(send: () => Promise<T>): Promise<T> {
    return this.limiter.run(send);
  }

  private async ensure(create: boolean): Promise<void> {
    const { DescribeTableCommand, CreateTableCommand } = this.sdk;
    try {
      const found = await this.client.send(new DescribeTableCommand({ TableName: this.name }));
      if (found.Table?.TableStatus === "ACTIVE") return;
    } catch (err) {
      if ((err as { name?: string }).name !== "ResourceNotFoundException") throw err;
      if (!create) throw new Error(`DynamoDB table ${this.name} does not exist (metadata.dynamodb.create_if_missing is false)`);
      await this.client.send(new CreateTableCommand({
        TableName: this.name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "S" }, { AttributeName: "sid", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
        GlobalSecondaryIndexes: [{ IndexName: "sid", KeySchema: [{ AttributeName: "sid", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } }],
      })).catch((e: { name?: string }) => {
        if (e.name !== "ResourceInUseException") throw e;
      });
    }
    for (let i = 0; i < 600; i++) {
      const found = await this.client.send(new DescribeTableCommand({ TableName: this.name }));
      if (found.Table?.TableStatus === "ACTIVE") return;
      await Bun.sleep(100);
    }
    throw new Error(`DynamoDB table ${this.name} did not become ACTIVE within 60 s`);
  }

  async get(pk: string, sk: string): Promise<Item | undefined> {
    try {
      return (await this.limited(() => this.client.send(new this.sdk.GetItemCommand({ TableName: this.name, Key: key(pk, sk), ConsistentRead: true })))).Item;
    } catch (err) {
      mapError(err);
    }
  }

  /**
   * One page of a partition in sort-key order (UTF-8 byte order, as S3 lists), strongly consistent.
   * `from`: the sort key to start at (inclusive or not); `after` for `backwards` pages is exclusive.
   */
  async query(pk: string, options: { from?: string; inclusive?: boolean; limit?: number; backwards?: boolean; start?: Item } = {}): Promise<{ items: Item[]; next?: Item }> {
    // No sort key is "": from "" is the whole partition (and "" is not a valid key value).
    const from = options.from === "" ? undefined : options.from;
    const cond = from === undefined ? "pk = :pk" : `pk = :pk AND sk ${options.inclusive ? ">=" : ">"} :from`;
    try {
      const out = await this.limited(() => this.client.send(new this.sdk.QueryCommand({
        TableName: this.name, KeyConditionExpression: cond, ConsistentRead: true,
        ExpressionAttributeValues: { ":pk": S(pk), ...(from === undefined ? {} : { ":from": S(from) }) },
        ...(options.limit ? { Limit: options.limit } : {}),
        ...(options.backwards ? { ScanIndexForward: false } : {}),
        ...(options.start ? { ExclusiveStartKey: options.start } : {}),
      })));
      return { items: out.Items ?? [], ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}) };
    } catch (err) {
      mapError(err);
    }
  }

  /** Every item of a partition (from a sort key on), page after page. */
  async *all(pk: string, from?: string): AsyncIterable<Item> {
    let start: Item | undefined;
    do {
      const page = await this.query(pk, { ...(from === undefined ? {} : { from, inclusive: false }), ...(start ? { start } : {}) });
      yield* page.items;
      start = page.next;
    } while (start);
  }

  /** Whether any item carries this storage id (the index is eventually consistent). */
  async hasStorageId(sid: string): Promise<boolean> {
    try {
      const out = await this.limited(() => this.client.send(new this.sdk.QueryCommand({
        TableName: this.name, IndexName: "sid", KeyConditionExpression: "sid = :sid", ExpressionAttributeValues: { ":sid": S(sid) }, Limit: 1,
      })));
      return (out.Items?.length ?? 0) > 0;
    } catch (err) {
      mapError(err);
    }
  }

  /**
   * All or nothing; a failed condition is a Cancelled naming the items whose conditions failed. An item
   * made by `renumberable` whose key was taken (an outbox position another node wrote) is made again
   * and the transaction sent again, at once; only the other items' conditions mean an answer.
   */
  async transact(items: TransactWriteItem[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.limited(() => this.client.send(new this.sdk.TransactWriteItemsCommand({ TransactItems: items })));
        return;
      } catch (err) {
        const e = err as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
        if (e.name === "TransactionCanceledException") {
          const reasons = e.CancellationReasons ?? [];
          const failed = reasons.flatMap((r, i) => (r.Code === "ConditionalCheckFailed" ? [i] : []));
          const taken = failed.filter((i) => remakes.has(items[i]!));
          const conflict = reasons.some((r) => r.Code === "TransactionConflict");
          if (taken.length > 0 && taken.length === failed.length && attempt < 100) {
            items = items.map((item, i) => (taken.includes(i) ? remakes.again(item) : item));
            continue;
          }
          if (failed.length > taken.length || conflict) throw new Cancelled(failed.filter((i) => !taken.includes(i)), conflict);
        }
        if (e.name === "TransactionConflictException") throw new Cancelled([], true);
        mapError(err);
      }
    }
  }

  /** Deletes these keys, 25 per request, retrying what the table left unprocessed. */
  async deleteAll(keys: Item[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 0) await Bun.sleep(Math.min(1000, 20 * 2 ** attempt) * Math.random());
        try {
          const out = await this.limited(() => this.client.send(new this.sdk.BatchWriteItemCommand({ RequestItems: { [this.name]: requests } })));
          requests = (out.UnprocessedItems?.[this.name] ?? []) as typeof requests;
        } catch (err) {
          mapError(err);
        }
        if (attempt > 20) throw new S3Error("SlowDown", { message: "The metadata table kept refusing a batch of deletes." });
      }
    }
  }
}

/**
 * Runs an optimistic step until its transaction goes through: `step` reads, decides and writes with
 * conditions on what it read; a write that lost a race (a condition on a revision, a conflict) reads
 * again. `step` maps the conditions that mean an answer (NoSuchBucket, NoSuchUpload) itself.
 */
export const optimistic = <T>(step: () => Promise<T>): Promise<T> => retryRaces(step, (err) => err instanceof Cancelled);

/** The pieces of a transaction, for a table. */
export function writer(table: string) {
  const values = (v: Record<string, AttributeValue> | undefined) => (v && Object.keys(v).length > 0 ? { ExpressionAttributeValues: v } : {});
  return {
    /** Puts the item with `r` = record's JSON and a new revision; `extra` attributes beside it. */
    put(pk: string, sk: string, r: unknown, options: { extra?: Item; condition?: string; values?: Record<string, AttributeValue> } = {}): TransactWriteItem {
      return {
        Put: {
          TableName: table, Item: { ...key(pk, sk), r: S(JSON.stringify(r)), rev: S(newRev()), ...options.extra },
          ...(options.condition ? { ConditionExpression: options.condition } : {}), ...values(options.values),
        },
      };
    },
    delete(pk: string, sk: string, condition?: string, v?: Record<string, AttributeValue>): TransactWriteItem {
      return { Delete: { TableName: table, Key: key(pk, sk), ...(condition ? { ConditionExpression: condition } : {}), ...values(v) } };
    },
    update(pk: string, sk: string, expression: string, v: Record<string, AttributeValue>, condition?: string): TransactWriteItem {
      return {
        Update: {
          TableName: table, Key: key(pk, sk), UpdateExpression: expression, ...(condition ? { ConditionExpression: condition } : {}), ...values(v),
        },
      };
    },
    check(pk: string, sk: string, condition: string, v?: Record<string, AttributeValue>): TransactWriteItem {
      return { ConditionCheck: { TableName: table, Key: key(pk, sk), ConditionExpression: condition, ...values(v) } };
    },
  };
}

/** The condition that an item is still at the revision read (or still absent, for none). */
export function sameRevision(item: Item | undefined): { condition: string; values: Record<string, AttributeValue> } {
  return item ? { condition: "rev = :rev", values: { ":rev": item.rev! } } : { condition: "attribute_not_exists(pk)", values: {} };
}

// metadata.engine: dynamodb — the metadata contract on one DynamoDB table (single-table design; the
// README's "DynamoDB engine" section has the keys). Each atomic unit of the contract is one
// TransactWriteItems: the items it changes, each conditioned on the revision it was read at, plus
// the bucket's counters and the outbox events. A transaction that lost a race is read and decided
// again (optimistic concurrency, dynamodb-table.ts). Listing seeks are Query pages on a partition
// whose sort key is the object key: DynamoDB orders string keys by their UTF-8 bytes, S3's order.
import { bucketNotEmpty, noSuchBucket } from "../errors.ts";
import { applyChange } from "./change.ts";
import { checkCondition, checkLock, checkRetentionChange } from "./condition.ts";
import { DynamoOutbox } from "./dynamodb-outbox.ts";
import { Cancelled, N, num, optimistic, record, S, sameRevision, Table, writer, type Item, type TableOptions } from "./dynamodb-table.ts";
import { DynamoUploads, P } from "./dynamodb-uploads.ts";
import type { EngineEvent } from "./events.ts";
import { ModularStore } from "./modular-store.ts";
import { listPage, type Seek } from "./listing.ts";
import type {
  BucketChange, BucketRecord, Credential, ListEntry, ListPage, ListQuery, MetadataStore, ObjectChange, ObjectRecord, ObjectWrite, RecordKind, VersionPage,
  VersionQuery, WriteCondition,
} from "./store.ts";
import { NULL_VERSION } from "./store.ts";
import { listVersionPage, versionEntry, versionSortKey } from "./versions.ts";

const counted = (r: ObjectRecord) => (r.deleteMarker ? 0 : 1);
const sid = (storageId: string): Item => (storageId ? { sid: S(storageId) } : {});

export class DynamoMetadataStore extends ModularStore implements MetadataStore {
  readonly engine = "dynamodb";
  private table!: Table;
  private opened = false;
  private w!: ReturnType<typeof writer>;
  protected outbox!: DynamoOutbox;
  protected uploads!: DynamoUploads;

  constructor(private readonly options: TableOptions) {
    super();
  }

  /** Opens the table (creating it when missing); once: a second call finds it open. */
  async init(): Promise<void> {
    if (this.opened) return;
    this.table = await Table.open(this.options);
    this.opened = true;
    this.w = writer(this.table.name);
    this.outbox = new DynamoOutbox(this.table);
    this.uploads = new DynamoUploads(this.table, this.outbox, (r, condition, extra) => this.objectWrite(r, condition, extra));
  }

  /** The open table, for the cluster's node and job records (cluster/dynamodb-store.ts). */
  clusterTable(): Table {
    return this.table;
  }

  async close(): Promise<void> {
    if (this.opened) this.table.close();
    this.opened = false;
  }

  async ping(): Promise<void> {
    await this.table.get(P.bucket, "-");
  }

  async putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    await this.table.transact([this.w.put(P.credential, c.accessKey, c), ...this.outbox.items(events)]);
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    return record<Credential>(await this.table.get(P.credential, accessKey));
  }

  async listCredentials(): Promise<Credential[]> {
    const out: Credential[] = [];
    for await (const item of this.table.all(P.credential)) out.push(record<Credential>(item)!);
    return out;
  }

  async deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    return this.unlessCancelled([this.w.delete(P.credential, accessKey, "attribute_exists(pk)"), ...this.outbox.items(events)]);
  }

  /** Runs a transaction whose first item's condition says whether there was anything to do. */
  private async unlessCancelled(items: Parameters<Table["transact"]>[0]): Promise<boolean> {
    try {
      await this.table.transact(items);
      return true;
    } catch (err) {
      if (err instanceof Cancelled && err.failed.includes(0)) return false;
      throw err;
    }
  }

  async getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return record<string>(await this.table.get(P.records(kind), id));
  }

  async listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    const out: Array<{ id: string; value: string }> = [];
    for await (const item of this.table.all(P.records(kind))) out.push({ id: item.sk!.S!, value: record<string>(item)! });
    return out;
  }

  /** Compare and swap in one conditional put (the item's `r` is the value's JSON). */
  putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    const condition = expected === null ? { condition: "attribute_not_exists(pk)" } : { condition: "r = :was", values: { ":was": S(JSON.stringify(expected)) } };
    return this.unlessCancelled([this.w.put(P.records(kind), id, value, condition)]);
  }

  /** Compare and delete in one conditional delete. */
  deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    return this.unlessCancelled([this.w.delete(P.records(kind), id, "r = :was", { ":was": S(JSON.stringify(expected)) })]);
  }

  async createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    const counters = { objects: N(0), bytes: N(0), versions: N(0), uploads: N(0) };
    return this.unlessCancelled([this.w.put(P.bucket, b.name, b, { extra: counters, condition: "attribute_not_exists(pk)" }), ...this.outbox.items(events)]);
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    return record<BucketRecord>(await this.table.get(P.bucket, name));
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const out: BucketRecord[] = [];
    for await (const item of this.table.all(P.bucket)) out.push(record<BucketRecord>(item)!);
    return out;
  }

  async deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const item = await this.table.get(P.bucket, name);
      if (!item) return false;
      if (num(item, "versions") > 0) throw bucketNotEmpty(name);
      // Its uploads go first, each in its own small unit; their parts wait for the clean-up.
      for (const upload of await this.uploads.ofBucket(name)) await this.uploads.delete(upload.uploadId);
      // Empty and without uploads at the revision read: anything written since cancels, and is read again.
      const { condition, values } = sameRevision(item);
      await this.table.transact([
        this.w.delete(P.bucket, name, `${condition} AND versions = :zero AND uploads = :zero`, { ...values, ":zero": N(0) }),
        ...this.outbox.items(events),
      ]);
      return true;
    });
  }

  async updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const item = await this.table.get(P.bucket, name);
      if (!item) return false;
      const next = applyChange(record<BucketRecord>(item)!, change);
      const { condition, values } = sameRevision(item);
      await this.table.transact([
        this.w.update(P.bucket, name, "SET r = :r, rev = :next", { ...values, ":r": S(JSON.stringify(next)), ":next": S(crypto.randomUUID()) }, condition),
        ...this.outbox.items(events),
      ]);
      return true;
    });
  }

  /**
   * A key's current item and the item of one of its versions (the current one when versionId is absent
   * or the current's), as they were at one moment: a noncurrent version not found while the current
   * item changed may have just become current (a delete promoting it), so both are read again.
   */
  private async versionItems(bucket: string, key: string, versionId: string | undefined, current?: Item): Promise<{ cur?: Item; item?: Item }> {
    let cur = current ?? (await this.table.get(P.current(bucket), key));
    for (;;) {
      if (versionId === undefined || record<ObjectRecord>(cur)?.versionId === versionId) return { cur, item: cur };
      const item = await this.noncurrentItem(bucket, key, versionId);
      if (item || !cur) return { cur, item };
      const again = await this.table.get(P.current(bucket), key);
      if (again?.rev?.S === cur.rev?.S) return { cur, item };
      cur = again;
    }
  }

  private async versionItem(bucket: string, key: string, versionId: string | undefined, current?: Item): Promise<Item | undefined> {
    return (await this.versionItems(bucket, key, versionId, current)).item;
  }

  private async noncurrentItem(bucket: string, key: string, versionId: string): Promise<Item | undefined> {
    if (versionId !== NULL_VERSION) return this.table.get(P.versions(bucket, key), versionId);
    // The null version's sort key is its time: found among the key's versions.
    for await (const item of this.table.all(P.versions(bucket, key))) if (record<ObjectRecord>(item)!.versionId === NULL_VERSION) return item;
    return undefined;
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    return record<ObjectRecord>(await this.versionItem(bucket, key, versionId));
  }

  async putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    return optimistic(() => this.objectWrite(r, condition, { events }));
  }

  /**
   * One attempt at writing `r` as its key's current version: reads the current version (and a
   * noncurrent null version it replaces), checks the condition, and commits the new current item,
   * the previous one moved to the noncurrent versions, the counters and `extra` in one transaction.
   */
  private async objectWrite(r: ObjectRecord, condition: WriteCondition | undefined, extra: { events?: EngineEvent[]; items?: Parameters<Table["transact"]>[0]; uploads?: number }): Promise<ObjectWrite> {
    const curItem = await this.table.get(P.current(r.bucket), r.key);
    const previous = record<ObjectRecord>(curItem);
    checkCondition(r.key, previous, condition, r.deleteMarker === true);
    const freed: ObjectRecord[] = [];
    const items: Parameters<Table["transact"]>[0] = [];
    const rev = sameRevision(curItem);
    items.push(this.w.put(P.current(r.bucket), r.key, r, { extra: sid(r.storageId), condition: rev.condition, values: rev.values }));
    if (previous && previous.versionId === r.versionId) freed.push(previous);
    else if (previous) items.push(this.w.put(P.versions(r.bucket, r.key), versionSortKey(previous), previous, { extra: sid(previous.storageId) }));
    if (r.versionId === NULL_VERSION && previous && previous.versionId !== NULL_VERSION) {
      const { cur, item: nullItem } = await this.versionItems(r.bucket, r.key, NULL_VERSION, curItem);
      if (cur !== curItem) throw new Cancelled([], true);
      if (nullItem) {
        freed.push(record<ObjectRecord>(nullItem)!);
        items.push(this.w.delete(P.versions(r.bucket, r.key), nullItem.sk!.S!, "rev = :rev", { ":rev": nullItem.rev! }));
      }
    }
    const bucketAt = items.length;
    items.push(this.counters(r.bucket, {
      objects: counted(r) - freed.reduce((n, f) => n + counted(f), 0),
      bytes: (r.deleteMarker ? 0 : r.size) - freed.reduce((n, f) => n + (f.deleteMarker ? 0 : f.size), 0),
      versions: 1 - freed.length,
      uploads: extra.uploads ?? 0,
    }));
    items.push(...(extra.items ?? []), ...this.outbox.items(extra.events));
    try {
      await this.table.transact(items);
    } catch (err) {
      if (err instanceof Cancelled && err.failed.includes(bucketAt)) throw noSuchBucket(r.bucket);
      throw err;
    }
    return { previous, freed };
  }

  /** Adds to a bucket's counters; the bucket must exist (an update never creates it). */
  private counters(bucket: string, d: { objects: number; bytes: number; versions: number; uploads: number }) {
    return this.w.update(P.bucket, bucket, "ADD objects :o, bytes :b, versions :v, uploads :u",
      { ":o": N(d.objects), ":b": N(d.bytes), ":v": N(d.versions), ":u": N(d.uploads) }, "attribute_exists(pk)");
  }

  async deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    return optimistic(async () => {
      const { cur: curItem, item: targetItem } = await this.versionItems(bucket, key, options.versionId);
      const current = record<ObjectRecord>(curItem);
      checkCondition(key, current, options.condition, true);
      const target = record<ObjectRecord>(targetItem);
      if (!curItem || !targetItem || !target) return null;
      checkLock(target, options.bypassGovernance);
      const rev = sameRevision(curItem);
      const items: Parameters<Table["transact"]>[0] = [];
      if (targetItem === curItem) {
        // The newest noncurrent version, if any, becomes current.
        const { items: [newest] } = await this.table.query(P.versions(bucket, key), { limit: 1 });
        const next = record<ObjectRecord>(newest);
        if (newest && next) {
          items.push(this.w.put(P.current(bucket), key, next, { extra: sid(next.storageId), condition: rev.condition, values: rev.values }));
          items.push(this.w.delete(P.versions(bucket, key), newest.sk!.S!, "rev = :rev", { ":rev": newest.rev! }));
        } else {
          items.push(this.w.delete(P.current(bucket), key, rev.condition, rev.values));
        }
      } else {
        items.push(this.w.delete(P.versions(bucket, key), targetItem.sk!.S!, "rev = :rev", { ":rev": targetItem.rev! }));
        items.push(this.w.check(P.current(bucket), key, rev.condition, rev.values));
      }
      items.push(this.counters(bucket, { objects: -counted(target), bytes: target.deleteMarker ? 0 : -target.size, versions: -1, uploads: 0 }));
      await this.table.transact([...items, ...this.outbox.items(options.events)]);
      return target;
    });
  }

  async updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const item = await this.versionItem(bucket, key, versionId);
      const o = record<ObjectRecord>(item);
      if (!item || !o || o.deleteMarker) return false;
      if (change.retention !== undefined) checkRetentionChange(o.retention, change.retention, change.bypassGovernance);
      const next = applyChange(o, change);
      await this.table.transact([
        this.w.put(item.pk!.S!, item.sk!.S!, next, { extra: sid(next.storageId), condition: "rev = :rev", values: { ":rev": item.rev! } }),
        ...this.outbox.items(events),
      ]);
      return true;
    });
  }

  /** Current versions in key order from a point: Query pages, delete markers skipped unless wanted. */
  private seek(bucket: string, markers: boolean): Seek {
    return async (from, inclusive, limit) => {
      const out: ListEntry[] = [];
      let start: Item | undefined;
      do {
        const page = await this.table.query(P.current(bucket), { from, inclusive, limit: Math.max(limit - out.length, 1), ...(start ? { start } : {}) });
        for (const item of page.items) {
          const o = record<ObjectRecord>(item)!;
          if (!markers && o.deleteMarker) continue;
          out.push({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass, owner: o.owner });
          if (out.length === limit) return out;
        }
        start = page.next;
      } while (start);
      return out;
    };
  }

  private async mustExist(bucket: string): Promise<void> {
    if (!(await this.table.get(P.bucket, bucket))) throw noSuchBucket(bucket);
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    await this.mustExist(bucket);
    return listPage(query, this.seek(bucket, false));
  }

  async listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    await this.mustExist(bucket);
    return listVersionPage(query, this.seek(bucket, true), async (key, after, limit) => {
      const curItem = await this.table.get(P.current(bucket), key);
      const current = record<ObjectRecord>(curItem);
      if (!current) return [];
      const out = after === undefined ? [versionEntry(current, true)] : [];
      let from: string | undefined;
      if (after !== undefined && after !== current.versionId) {
        const marker = record<ObjectRecord>(await this.versionItem(bucket, key, after, curItem));
        if (!marker) return [];
        from = versionSortKey(marker);
      }
      let start: Item | undefined;
      while (out.length < limit) {
        const page = await this.table.query(P.versions(bucket, key), { ...(from === undefined ? {} : { from, inclusive: false }), limit: limit - out.length, ...(start ? { start } : {}) });
        out.push(...page.items.map((i) => versionEntry(record<ObjectRecord>(i)!, false)));
        if (!(start = page.next)) break;
      }
      return out.slice(0, limit);
    });
  }

  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    const out: Array<{ bucket: string; objects: number; bytes: number }> = [];
    for await (const item of this.table.all(P.bucket)) out.push({ bucket: item.sk!.S!, objects: num(item, "objects"), bytes: num(item, "bytes") });
    return out;
  }

  async openUploadCount(): Promise<number> {
    let n = 0;
    for await (const item of this.table.all(P.bucket)) n += num(item, "uploads");
    return n;
  }

  isStorageIdReferenced(storageId: string): Promise<boolean> {
    return this.table.hasStorageId(storageId);
  }
}

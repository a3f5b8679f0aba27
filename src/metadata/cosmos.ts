// metadata.engine: cosmos — the metadata contract on one Azure Cosmos DB container (cosmos-db.ts has
// the documents). Each atomic unit is one transactional batch in the bucket's partition: an "open"
// document read first (a DeleteBucket removes it before checking emptiness, so no write can land in a
// bucket being deleted), then the key's current-version document written with If-Match on the ETag
// read (or created), then what that guard protects (noncurrent versions, upload state, events).
// A batch that lost a race is read and decided again. Listing seeks are queries ordered by kx.
import type { JSONObject, OperationInput } from "@azure/cosmos";
import { bucketNotEmpty, noSuchBucket } from "../errors.ts";
import { applyChange } from "./change.ts";
import { checkCondition, checkLock, checkRetentionChange } from "./condition.ts";
import { BucketClosed, CosmosDb, CREDENTIALS, hash, hex, rec, Refused, retrying, type CosmosOptions, type Doc } from "./cosmos-db.ts";
import { CosmosOutbox } from "./cosmos-outbox.ts";
import { CosmosUploads } from "./cosmos-uploads.ts";
import type { EngineEvent } from "./events.ts";
import { ModularStore } from "./modular-store.ts";
import { compareKeys, listPage, type Seek } from "./listing.ts";
import type {
  BucketChange, BucketRecord, Credential, ListPage, ListQuery, MetadataStore, ObjectChange, ObjectRecord, ObjectWrite, RecordKind, VersionPage, VersionQuery, WriteCondition,
} from "./store.ts";
import { NULL_VERSION } from "./store.ts";
import { listVersionPage, versionEntry, versionSortKey } from "./versions.ts";

const CLOSED_STALE_MS = 30_000;

export const curId = (key: string) => `o:${hash(key)}`;
const verId = (key: string, sortKey: string) => `v:${hash(key)}:${sortKey}`;

/** A version's document: current ("o") or noncurrent ("v"). */
function versionDoc(r: ObjectRecord, current: boolean): Doc {
  const sortKey = versionSortKey(r);
  return {
    id: current ? curId(r.key) : verId(r.key, sortKey), pk: r.bucket, t: current ? "o" : "v",
    k: r.key, kx: hex(r.key), kh: hash(r.key), s: sortKey, vid: r.versionId,
    r: JSON.stringify(r), sid: r.storageId, dm: r.deleteMarker === true, n: r.deleteMarker ? 0 : 1, size: r.deleteMarker ? 0 : r.size,
  };
}

export class CosmosMetadataStore extends ModularStore implements MetadataStore {
  readonly engine = "cosmos";
  private db!: CosmosDb;
  protected outbox!: CosmosOutbox;
  protected uploads!: CosmosUploads;
  private opened = false;

  constructor(private readonly options: CosmosOptions) {
    super();
  }

  async init(): Promise<void> {
    if (this.opened) return;
    this.db = await CosmosDb.open(this.options);
    this.op = this.builders();
    this.outbox = new CosmosOutbox(this.db);
    this.uploads = new CosmosUploads(this.db, this.outbox, this);
    this.opened = true;
  }

  async close(): Promise<void> {
    if (this.opened) this.db.close();
    this.opened = false;
  }

  async ping(): Promise<void> {
    await this.db.read(CREDENTIALS, "-");
  }

  /** Batch operation builders. */
  op!: ReturnType<CosmosMetadataStore["builders"]>;

  private builders() {
    const t = this.db.ops;
    return {
      read: (id: string): OperationInput => ({ operationType: t.Read, id }),
      create: (doc: Doc): OperationInput => ({ operationType: t.Create, resourceBody: doc as JSONObject }),
      upsert: (doc: Doc): OperationInput => ({ operationType: t.Upsert, resourceBody: doc as JSONObject }),
      replace: (doc: Doc, ifMatch?: string): OperationInput => ({ operationType: t.Replace, id: doc.id, resourceBody: doc as JSONObject, ...(ifMatch ? { ifMatch } : {}) }),
      delete: (id: string, ifMatch?: string): OperationInput => ({ operationType: t.Delete, id, ...(ifMatch ? { ifMatch } : {}) }),
    };
  }

  async putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    await this.db.batch(CREDENTIALS, [this.op.upsert({ id: `cred:${hex(c.accessKey)}`, pk: CREDENTIALS, t: "cred", k: c.accessKey, r: JSON.stringify(c) }), ...this.outbox.ops(CREDENTIALS, events)]);
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    return rec<Credential>(await this.db.read(CREDENTIALS, `cred:${hex(accessKey)}`));
  }

  async listCredentials(): Promise<Credential[]> {
    const docs = await this.db.query("SELECT * FROM c WHERE c.t = 'cred'", {}, CREDENTIALS);
    return docs.map((d) => rec<Credential>(d)!).sort((a, b) => compareKeys(a.accessKey, b.accessKey));
  }

  /** A batch whose first operation says, by failing, that there was nothing to do. */
  private async unlessRefused(pk: string, ops: OperationInput[]): Promise<boolean> {
    try {
      await this.db.batch(pk, ops);
      return true;
    } catch (err) {
      if (err instanceof Refused && err.index === 0) return false;
      throw err;
    }
  }

  deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    return this.unlessRefused(CREDENTIALS, [this.op.delete(`cred:${hex(accessKey)}`), ...this.outbox.ops(CREDENTIALS, events)]);
  }

  async getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return ((await this.db.read(CREDENTIALS, `rec:${kind}:${hex(id)}`))?.r as string | undefined) ?? null;
  }

  async listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    const docs = await this.db.query("SELECT * FROM c WHERE c.t = 'rec' AND c.kind = @kind", { "@kind": kind }, CREDENTIALS);
    return docs.map((d) => ({ id: String(d.k), value: String(d.r) })).sort((a, b) => compareKeys(a.id, b.id));
  }

  /** Compare and swap: the document as read, then a create or a replace on its ETag (in the credentials' partition). */
  async putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    const docId = `rec:${kind}:${hex(id)}`;
    const doc = await this.db.read(CREDENTIALS, docId);
    if (((doc?.r as string | undefined) ?? null) !== expected) return false;
    const next = { id: docId, pk: CREDENTIALS, t: "rec", kind, k: id, r: value };
    return this.unlessRefused(CREDENTIALS, [doc ? this.op.replace(next, doc._etag) : this.op.create(next)]);
  }

  /** Compare and delete: the document as read, then a delete on its ETag. */
  async deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    const doc = await this.db.read(CREDENTIALS, `rec:${kind}:${hex(id)}`);
    if (!doc || doc.r !== expected) return false;
    return this.unlessRefused(CREDENTIALS, [this.op.delete(doc.id, doc._etag)]);
  }

  createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    return this.unlessRefused(b.name, [
      this.op.create({ id: "bucket", pk: b.name, t: "bucket", r: JSON.stringify(b) }),
      this.op.upsert({ id: "open", pk: b.name, t: "open" }),
      ...this.outbox.ops(b.name, events),
    ]);
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    return rec<BucketRecord>(await this.db.read(name, "bucket"));
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const docs = await this.db.query("SELECT * FROM c WHERE c.t = 'bucket'", {});
    return docs.map((d) => rec<BucketRecord>(d)!).sort((a, b) => compareKeys(a.name, b.name));
  }

  /** Closes the bucket to writes (its "open" document goes), checks it is empty, drops its uploads, deletes it. */
  async deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    if (!(await this.db.read(name, "bucket"))) return false;
    // Already closed by another DeleteBucket (or one that crashed): go on all the same.
    await this.unlessRefused(name, [this.op.delete("open"), this.op.upsert({ id: "closed", pk: name, t: "closed", at: Date.now() })]);
    const left = await this.db.query("SELECT TOP 1 c.id FROM c WHERE (c.t = 'o' OR c.t = 'v')", {}, name);
    if (left.length > 0) {
      await this.db.batch(name, [this.op.upsert({ id: "open", pk: name, t: "open" }), this.op.upsert({ id: "closed", pk: name, t: "closed", at: 0 })]);
      throw bucketNotEmpty(name);
    }
    for (const upload of await this.uploads.ofBucket(name)) await this.uploads.delete(upload.uploadId);
    return this.unlessRefused(name, [this.op.delete("bucket"), this.op.upsert({ id: "closed", pk: name, t: "closed", at: 0 }), ...this.outbox.ops(name, events)]);
  }

  async updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    return retrying(async () => {
      const doc = await this.db.read(name, "bucket");
      const b = rec<BucketRecord>(doc);
      if (!doc || !b) return false;
      await this.db.batch(name, [this.op.replace({ id: "bucket", pk: name, t: "bucket", r: JSON.stringify(applyChange(b, change)) }, doc._etag), ...this.outbox.ops(name, events)]);
      return true;
    });
  }

  /**
   * Runs a write into `bucket` whose batch starts by reading its "open" document; while the bucket is
   * closed by a DeleteBucket the write waits (up to a few seconds) for it to finish or give up.
   */
  async inBucket<T>(bucket: string, step: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await retrying(step);
      } catch (err) {
        if (!(err instanceof BucketClosed)) throw err;
        if (!(await this.db.read(bucket, "bucket"))) throw noSuchBucket(bucket);
        const closed = await this.db.read(bucket, "closed");
        // A DeleteBucket that crashed after closing: the bucket opens again.
        if (!closed || Date.now() - Number(closed.at) > CLOSED_STALE_MS) await this.db.upsert({ id: "open", pk: bucket, t: "open" });
        else if (attempt >= 100) throw noSuchBucket(bucket);
        else await Bun.sleep(50);
      }
    }
  }

  /**
   * A key's current document and the document of one of its versions (the current one for no
   * versionId, or the current's), as they were at one moment: a noncurrent version not found while
   * the current document changed may have just become current (a delete promoting it), so both are
   * read again. `current` null: the key is known to have no current document.
   */
  private async versionDocs(bucket: string, key: string, versionId: string | undefined, current?: Doc | null): Promise<{ cur?: Doc; doc?: Doc }> {
    let cur = current === undefined ? await this.db.read(bucket, curId(key)) : current ?? undefined;
    for (;;) {
      if (versionId === undefined || rec<ObjectRecord>(cur)?.versionId === versionId) return { cur, doc: cur };
      const doc = await this.noncurrentDoc(bucket, key, versionId);
      if (doc || !cur) return { cur, doc };
      const again = await this.db.read(bucket, curId(key));
      if (again?._etag === cur._etag) return { cur, doc };
      cur = again;
    }
  }

  private async versionDocOf(bucket: string, key: string, versionId: string | undefined, current?: Doc | null): Promise<Doc | undefined> {
    return (await this.versionDocs(bucket, key, versionId, current)).doc;
  }

  private async noncurrentDoc(bucket: string, key: string, versionId: string): Promise<Doc | undefined> {
    if (versionId !== NULL_VERSION) return this.db.read(bucket, verId(key, versionId));
    // The null version's sort key is its time: found by its version id among the key's versions.
    return (await this.db.query("SELECT * FROM c WHERE c.t = 'v' AND c.kh = @h AND c.vid = 'null'", { "@h": hash(key) }, bucket))[0];
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    return rec<ObjectRecord>(await this.versionDocOf(bucket, key, versionId));
  }

  putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    return this.inBucket(r.bucket, () => this.objectWrite(r, condition, { events }));
  }

  /**
   * One attempt at writing `r` as its key's current version, as one batch: the bucket's "open" read,
   * `reads` (more guards without effect), the current version replaced If-Match (or created), the
   * previous one kept as noncurrent or freed, a noncurrent null version freed, then `writes`.
   * Refused at a read of `reads` is `onRead(index)`'s answer.
   */
  async objectWrite(r: ObjectRecord, condition: WriteCondition | undefined,
    extra: { events?: EngineEvent[]; reads?: OperationInput[]; writes?: OperationInput[]; onRead?: (index: number) => Error }): Promise<ObjectWrite> {
    const cur = await this.db.read(r.bucket, curId(r.key));
    const previous = rec<ObjectRecord>(cur);
    checkCondition(r.key, previous, condition, r.deleteMarker === true);
    const reads = [this.op.read("open"), ...(extra.reads ?? [])];
    const ops = [...reads, cur ? this.op.replace(versionDoc(r, true), cur._etag) : this.op.create(versionDoc(r, true))];
    const freed: ObjectRecord[] = [];
    if (previous && previous.versionId === r.versionId) freed.push(previous);
    else if (previous) ops.push(this.op.upsert(versionDoc(previous, false)));
    if (r.versionId === NULL_VERSION && previous && previous.versionId !== NULL_VERSION) {
      const nullDoc = await this.versionDocOf(r.bucket, r.key, NULL_VERSION, null);
      if (nullDoc) {
        freed.push(rec<ObjectRecord>(nullDoc)!);
        ops.push(this.op.delete(nullDoc.id));
      }
    }
    ops.push(...(extra.writes ?? []), ...this.outbox.ops(r.bucket, extra.events));
    try {
      await this.db.batch(r.bucket, ops);
    } catch (err) {
      if (err instanceof Refused && err.index === 0) throw new BucketClosed();
      if (err instanceof Refused && err.index < reads.length && extra.onRead) throw extra.onRead(err.index);
      throw err;
    }
    return { previous, freed };
  }

  async deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    return retrying(async () => {
      const { cur, doc: targetDoc } = await this.versionDocs(bucket, key, options.versionId);
      const current = rec<ObjectRecord>(cur);
      checkCondition(key, current, options.condition, true);
      const target = rec<ObjectRecord>(targetDoc);
      if (!cur || !current || !targetDoc || !target) return null;
      checkLock(target, options.bypassGovernance);
      const ops: OperationInput[] = [];
      if (targetDoc.id === cur.id) {
        // The newest noncurrent version, if any, becomes current.
        const [newest] = await this.db.query("SELECT TOP 1 * FROM c WHERE c.t = 'v' AND c.kh = @h ORDER BY c.s", { "@h": hash(key) }, bucket);
        if (newest) ops.push(this.op.replace(versionDoc(rec<ObjectRecord>(newest)!, true), cur._etag), this.op.delete(newest.id));
        else ops.push(this.op.delete(cur.id, cur._etag));
      } else {
        // The current document rewritten as it is: its ETag guards every version of the key.
        ops.push(this.op.replace(versionDoc(current, true), cur._etag), this.op.delete(targetDoc.id));
      }
      await this.db.batch(bucket, [...ops, ...this.outbox.ops(bucket, options.events)]);
      return target;
    });
  }

  async updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    return retrying(async () => {
      const { cur, doc: targetDoc } = await this.versionDocs(bucket, key, versionId);
      const current = rec<ObjectRecord>(cur);
      const target = rec<ObjectRecord>(targetDoc);
      if (!cur || !current || !targetDoc || !target || target.deleteMarker) return false;
      if (change.retention !== undefined) checkRetentionChange(target.retention, change.retention, change.bypassGovernance);
      const next = applyChange(target, change);
      const ops = targetDoc.id === cur.id
        ? [this.op.replace(versionDoc(next, true), cur._etag)]
        : [this.op.replace(versionDoc(current, true), cur._etag), this.op.upsert(versionDoc(next, false))];
      await this.db.batch(bucket, [...ops, ...this.outbox.ops(bucket, events)]);
      return true;
    });
  }

  /** Current versions in key order from a point (kx, hex of the key's bytes), delete markers skipped unless wanted. */
  private seek(bucket: string, markers: boolean): Seek {
    return async (from, inclusive, limit) => {
      const docs = await this.db.query(
        `SELECT TOP @n * FROM c WHERE c.t = 'o' AND c.kx ${inclusive ? ">=" : ">"} @from${markers ? "" : " AND c.dm = false"} ORDER BY c.kx`,
        { "@from": hex(from), "@n": limit }, bucket);
      return docs.map((d) => {
        const o = rec<ObjectRecord>(d)!;
        return { key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass, owner: o.owner };
      });
    };
  }

  private async mustExist(bucket: string): Promise<void> {
    if (!(await this.db.read(bucket, "bucket"))) throw noSuchBucket(bucket);
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    await this.mustExist(bucket);
    return listPage(query, this.seek(bucket, false));
  }

  async listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    await this.mustExist(bucket);
    return listVersionPage(query, this.seek(bucket, true), async (key, after, limit) => {
      const cur = await this.db.read(bucket, curId(key));
      const current = rec<ObjectRecord>(cur);
      if (!current) return [];
      let from = "";
      if (after !== undefined && after !== current.versionId) {
        const marker = rec<ObjectRecord>(await this.versionDocOf(bucket, key, after, cur ?? null));
        if (!marker) return [];
        from = versionSortKey(marker);
      }
      const older = await this.db.query("SELECT TOP @n * FROM c WHERE c.t = 'v' AND c.kh = @h AND c.s > @from ORDER BY c.s",
        { "@h": hash(key), "@from": from, "@n": limit }, bucket);
      return [...(after === undefined ? [versionEntry(current, true)] : []), ...older.map((d) => versionEntry(rec<ObjectRecord>(d)!, false))].slice(0, limit);
    });
  }

  /** Versions that are not delete markers and their bytes: sums over the bucket's partition, exact when run. */
  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    return Promise.all((await this.listBuckets()).map(async (b) => {
      const sum = async (field: string) =>
        (await this.db.query<number>(`SELECT VALUE SUM(c.${field}) FROM c WHERE (c.t = 'o' OR c.t = 'v')`, {}, b.name))[0] ?? 0;
      const [objects, bytes] = await Promise.all([sum("n"), sum("size")]);
      return { bucket: b.name, objects, bytes };
    }));
  }

  openUploadCount(): Promise<number> {
    return this.uploads.openCount();
  }

  async isStorageIdReferenced(storageId: string): Promise<boolean> {
    return (await this.db.query("SELECT TOP 1 c.id FROM c WHERE c.sid = @s", { "@s": storageId })).length > 0;
  }
}

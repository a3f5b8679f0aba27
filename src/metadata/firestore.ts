// metadata.engine: firestore — the metadata contract on Cloud Firestore (collections in
// firestore-db.ts). Each atomic unit of the contract is one read-write transaction: its reads lock
// what they read (the bucket document included, so a DeleteBucket cannot slip between a write's
// check and its commit), its writes and outbox events commit together, and the SDK runs it again when
// it loses a race. Listing seeks are queries ordered by the key field: Firestore orders strings by
// their UTF-8 bytes, as S3 lists. Counts and bytes per bucket are aggregation queries (count, sum),
// exact when read.
import type { Transaction } from "@google-cloud/firestore";
import { bucketNotEmpty, noSuchBucket } from "../errors.ts";
import { applyChange } from "./change.ts";
import { checkCondition, checkLock, checkRetentionChange } from "./condition.ts";
import type { EngineEvent } from "./events.ts";
import { ModularStore } from "./modular-store.ts";
import { FsDb, rec, type FirestoreOptions, type Ref } from "./firestore-db.ts";
import { FirestoreOutbox } from "./firestore-outbox.ts";
import { FirestoreUploads } from "./firestore-uploads.ts";
import { compareKeys, listPage, type Seek } from "./listing.ts";
import type {
  BucketChange, BucketRecord, Credential, ListEntry, ListPage, ListQuery, MetadataStore, ObjectChange, ObjectRecord, ObjectWrite, RecordKind, VersionPage,
  VersionQuery, WriteCondition,
} from "./store.ts";
import { NULL_VERSION } from "./store.ts";
import { listVersionPage, versionEntry, versionSortKey } from "./versions.ts";

/** A bucket being deleted: writes wait for the deletion to finish or give up (it was not empty). */
class BucketBusy extends Error {}
/** A deletion that crashed half-way leaves the mark; after this long it no longer holds writes back. */
const DELETING_STALE_MS = 30_000;

/** The fields of a version's document: the record, its key (ordering), its storage id, and what stats sum. */
export const versionDoc = (r: ObjectRecord) => ({
  k: r.key, r: JSON.stringify(r), sid: r.storageId, dm: r.deleteMarker === true, n: r.deleteMarker ? 0 : 1, size: r.deleteMarker ? 0 : r.size,
});

export class FirestoreMetadataStore extends ModularStore implements MetadataStore {
  readonly engine = "firestore";
  private fs!: FsDb;
  protected outbox!: FirestoreOutbox;
  protected uploads!: FirestoreUploads;
  private opened = false;

  constructor(private readonly options: FirestoreOptions) {
    super();
  }

  async init(): Promise<void> {
    if (this.opened) return;
    this.fs = await FsDb.open(this.options);
    this.outbox = new FirestoreOutbox(this.fs);
    this.uploads = new FirestoreUploads(this.fs, this.outbox, this);
    this.opened = true;
    await this.ping();
  }

  /** The open database, for the cluster's node and job records (cluster/firestore-store.ts). */
  clusterDb(): FsDb {
    return this.fs;
  }

  async close(): Promise<void> {
    if (this.opened) await this.fs.close();
    this.opened = false;
  }

  async ping(): Promise<void> {
    await this.fs.call(() => this.fs.bucket("-").get());
  }

  async putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    await this.fs.run(async (tx) => {
      tx.set(this.fs.credential(c.accessKey), { r: JSON.stringify(c), k: c.accessKey });
      this.outbox.write(tx, events);
    });
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    return rec<Credential>((await this.fs.call(() => this.fs.credential(accessKey).get())).data());
  }

  async listCredentials(): Promise<Credential[]> {
    const snap = await this.fs.call(() => this.fs.col("credentials").orderBy("k").get());
    return snap.docs.map((d) => rec<Credential>(d.data())!);
  }

  async deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.fs.credential(accessKey);
      if (!(await tx.get(ref)).exists) return false;
      tx.delete(ref);
      this.outbox.write(tx, events);
      return true;
    });
  }

  async getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return ((await this.fs.call(() => this.fs.record(kind, id).get())).data()?.r as string | undefined) ?? null;
  }

  async listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    const snap = await this.fs.call(() => this.fs.recordsOf(kind).get());
    return snap.docs.map((d) => ({ id: d.data().id as string, value: d.data().r as string })).sort((a, b) => compareKeys(a.id, b.id));
  }

  putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.fs.record(kind, id);
      if (((await tx.get(ref)).data()?.r ?? null) !== expected) return false;
      tx.set(ref, { r: value, id });
      return true;
    });
  }

  deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.fs.record(kind, id);
      if ((await tx.get(ref)).data()?.r !== expected) return false;
      tx.delete(ref);
      return true;
    });
  }

  async createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.fs.bucket(b.name);
      if ((await tx.get(ref)).exists) return false;
      tx.set(ref, { r: JSON.stringify(b) });
      this.outbox.write(tx, events);
      return true;
    });
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    return rec<BucketRecord>((await this.fs.call(() => this.fs.bucket(name).get())).data());
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const snap = await this.fs.call(() => this.fs.col("buckets").orderBy(this.fs.FieldPath.documentId()).get());
    return snap.docs.map((d) => rec<BucketRecord>(d.data())!);
  }

  /**
   * In steps, each its own transaction: mark the bucket as being deleted (which waits for every write
   * that read it to commit, and holds new ones back), check it is empty, drop its uploads, delete it.
   */
  async deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    const ref = this.fs.bucket(name);
    const marked = await this.fs.run(async (tx) => {
      if (!(await tx.get(ref)).exists) return false;
      tx.update(ref, { deleting: Date.now() });
      return true;
    });
    if (!marked) return false;
    const unmark = () => this.fs.call(() => ref.update({ deleting: 0 }));
    const [objects, versions] = await Promise.all([
      this.fs.call(() => this.fs.objects(name).limit(1).select().get()),
      this.fs.call(() => this.fs.versions(name).limit(1).select().get()),
    ]);
    if (!objects.empty || !versions.empty) {
      await unmark();
      throw bucketNotEmpty(name);
    }
    for (const upload of await this.uploads.ofBucket(name)) await this.uploads.delete(upload.uploadId);
    return this.fs.run(async (tx) => {
      if (!(await tx.get(ref)).exists) return false;
      tx.delete(ref);
      this.outbox.write(tx, events);
      return true;
    });
  }

  async updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.fs.bucket(name);
      const b = rec<BucketRecord>((await tx.get(ref)).data());
      if (!b) return false;
      tx.update(ref, { r: JSON.stringify(applyChange(b, change)) });
      this.outbox.write(tx, events);
      return true;
    });
  }

  /**
   * Runs a transaction that writes into `bucket` (the body reads the bucket with `guard` first); while
   * the bucket is being deleted it waits, up to a few seconds, for the deletion to finish or give up.
   */
  async inBucket<T>(body: (tx: Transaction, guard: () => Promise<void>) => Promise<T>, bucket: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.fs.run((tx) => body(tx, async () => {
          const data = (await tx.get(this.fs.bucket(bucket))).data();
          if (!data) throw noSuchBucket(bucket);
          if (data.deleting && Date.now() - data.deleting < DELETING_STALE_MS) throw new BucketBusy();
        }));
      } catch (err) {
        if (!(err instanceof BucketBusy)) throw err;
        if (attempt >= 100) throw noSuchBucket(bucket);
        await Bun.sleep(50);
      }
    }
  }

  /** The document of a version: the current one (no versionId, or the current's), or a noncurrent one. */
  private async versionRef(read: (ref: Ref) => Promise<ObjectRecord | null>, query: (bucket: string, key: string) => Promise<Array<{ ref: Ref; r: ObjectRecord }>>,
    bucket: string, key: string, versionId: string | undefined): Promise<{ ref: Ref; r: ObjectRecord } | null> {
    const curRef = this.fs.object(bucket, key);
    const current = await read(curRef);
    if (versionId === undefined || current?.versionId === versionId) return current ? { ref: curRef, r: current } : null;
    if (versionId !== NULL_VERSION) {
      const ref = this.fs.version(bucket, key, versionId);
      const r = await read(ref);
      return r ? { ref, r } : null;
    }
    // The null version's sort key is its time: found among the key's versions.
    return (await query(bucket, key)).find((v) => v.r.versionId === NULL_VERSION) ?? null;
  }

  /** versionRef inside a transaction. */
  private txVersion(tx: Transaction, bucket: string, key: string, versionId: string | undefined) {
    return this.versionRef(
      async (ref) => rec<ObjectRecord>((await tx.get(ref)).data()),
      async (b, k) => (await tx.get(this.fs.versionsOf(b, k))).docs.map((d) => ({ ref: d.ref, r: rec<ObjectRecord>(d.data())! })),
      bucket, key, versionId,
    );
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    const found = await this.versionRef(
      async (ref) => rec<ObjectRecord>((await this.fs.call(() => ref.get())).data()),
      async (b, k) => (await this.fs.call(() => this.fs.versionsOf(b, k).get())).docs.map((d) => ({ ref: d.ref, r: rec<ObjectRecord>(d.data())! })),
      bucket, key, versionId,
    );
    return found?.r ?? null;
  }

  async putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    return this.inBucket(async (tx, guard) => {
      await guard();
      const write = await this.prepareWrite(tx, r, condition);
      write.commit();
      this.outbox.write(tx, events);
      return write.result;
    }, r.bucket);
  }

  /**
   * The reads and checks of writing `r` as its key's current version, inside `tx` (after the bucket's
   * guard); `commit` then makes the writes: the new current version, the previous one kept as
   * noncurrent (or freed when it has the same version id, as a noncurrent null version is).
   */
  async prepareWrite(tx: Transaction, r: ObjectRecord, condition: WriteCondition | undefined): Promise<{ result: ObjectWrite; commit: () => void }> {
    const curRef = this.fs.object(r.bucket, r.key);
    const previous = rec<ObjectRecord>((await tx.get(curRef)).data());
    const nullVersion = r.versionId === NULL_VERSION && previous && previous.versionId !== NULL_VERSION
      ? await this.txVersion(tx, r.bucket, r.key, NULL_VERSION) : null;
    checkCondition(r.key, previous, condition, r.deleteMarker === true);
    const freed: ObjectRecord[] = [];
    if (previous?.versionId === r.versionId) freed.push(previous);
    if (nullVersion) freed.push(nullVersion.r);
    return {
      result: { previous, freed },
      commit: () => {
        tx.set(curRef, versionDoc(r));
        if (previous && previous.versionId !== r.versionId) tx.set(this.fs.version(r.bucket, r.key, versionSortKey(previous)), versionDoc(previous));
        if (nullVersion) tx.delete(nullVersion.ref);
      },
    };
  }

  async deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    return this.fs.run(async (tx) => {
      const curRef = this.fs.object(bucket, key);
      const current = rec<ObjectRecord>((await tx.get(curRef)).data());
      const target = await this.txVersion(tx, bucket, key, options.versionId);
      const isCurrent = target?.ref.path === curRef.path;
      const newest = isCurrent ? (await tx.get(this.fs.versionsOf(bucket, key).limit(1))).docs[0] : undefined;
      checkCondition(key, current, options.condition, true);
      if (!target) return null;
      checkLock(target.r, options.bypassGovernance);
      if (!isCurrent) tx.delete(target.ref);
      else if (newest) {
        // The newest noncurrent version becomes current.
        tx.set(curRef, newest.data());
        tx.delete(newest.ref);
      } else tx.delete(curRef);
      this.outbox.write(tx, options.events);
      return target.r;
    });
  }

  async updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const found = await this.txVersion(tx, bucket, key, versionId);
      if (!found || found.r.deleteMarker) return false;
      if (change.retention !== undefined) checkRetentionChange(found.r.retention, change.retention, change.bypassGovernance);
      tx.set(found.ref, versionDoc(applyChange(found.r, change)));
      this.outbox.write(tx, events);
      return true;
    });
  }

  /**
   * Current versions in key order from a point: pages of a query on the key field (its single-field
   * index; no composite index needed), delete markers skipped here unless wanted.
   */
  private seek(bucket: string, markers: boolean): Seek {
    return async (from, inclusive, limit) => {
      const out: ListEntry[] = [];
      for (let at = from, incl = inclusive; ;) {
        const want = limit - out.length;
        const snap = await this.fs.call(() => this.fs.objects(bucket).orderBy("k").where("k", incl ? ">=" : ">", at).limit(want).get());
        for (const d of snap.docs) {
          const o = rec<ObjectRecord>(d.data())!;
          if (markers || !o.deleteMarker) out.push({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass, owner: o.owner });
        }
        if (snap.docs.length < want || out.length >= limit) return out;
        at = rec<ObjectRecord>(snap.docs.at(-1)!.data())!.key;
        incl = false;
      }
    };
  }

  private async mustExist(bucket: string): Promise<void> {
    if (!(await this.fs.call(() => this.fs.bucket(bucket).get())).exists) throw noSuchBucket(bucket);
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    await this.mustExist(bucket);
    return listPage(query, this.seek(bucket, false));
  }

  async listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    await this.mustExist(bucket);
    return listVersionPage(query, this.seek(bucket, true), async (key, after, limit) => {
      const current = rec<ObjectRecord>((await this.fs.call(() => this.fs.object(bucket, key).get())).data());
      if (!current) return [];
      let from: string | undefined;
      if (after !== undefined && after !== current.versionId) {
        const marker = await this.getObject(bucket, key, after);
        if (!marker) return [];
        from = versionSortKey(marker);
      }
      const older = await this.fs.call(() => this.fs.versionsOf(bucket, key, from).limit(limit).get());
      return [
        ...(after === undefined ? [versionEntry(current, true)] : []),
        ...older.docs.map((d) => versionEntry(rec<ObjectRecord>(d.data())!, false)),
      ].slice(0, limit);
    });
  }

  /** Versions that are not delete markers and their bytes, per bucket: aggregation queries, exact when run. */
  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    const { AggregateField } = this.fs;
    // Sums of per-document fields (n: 1 for a version, 0 for a marker), so no filter and no composite index.
    const sums = async (q: ReturnType<FsDb["objects"]>) => {
      const snap = await this.fs.call(() => q.aggregate({ n: AggregateField.sum("n"), bytes: AggregateField.sum("size") }).get());
      return snap.data();
    };
    return Promise.all((await this.listBuckets()).map(async (b) => {
      const [a, c] = await Promise.all([sums(this.fs.objects(b.name)), sums(this.fs.versions(b.name))]);
      return { bucket: b.name, objects: a.n + c.n, bytes: a.bytes + c.bytes };
    }));
  }

  openUploadCount(): Promise<number> {
    return this.uploads.openCount();
  }

  async isStorageIdReferenced(storageId: string): Promise<boolean> {
    const found = await Promise.all([
      ...(["objects", "versions", "parts"] as const).map((kind) => this.fs.call(() => this.fs.group(kind).where("sid", "==", storageId).limit(1).select().get())),
      this.fs.call(() => this.fs.col("uploads").where("sid", "==", storageId).limit(1).select().get()),
    ]);
    return found.some((snap) => !snap.empty);
  }
}


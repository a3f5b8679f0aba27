// metadata.engine: etcd — the metadata contract on etcd v3 (Raft-replicated; several BleepStore nodes
// share it). Each atomic unit is one etcd transaction: compares on the mod revisions of what was read
// (a key absent when read compares as revision 0), then puts and deletes, retried from the read when a
// race was lost. Layout in etcd-keys.ts; statistics are 64 shards per bucket, a write adding to one at
// random, so concurrent writes rarely meet on a counter, never on one hot key; a write checks its bucket by the
// bucket key's create revision, which other writes do not change.
import { bucketNotEmpty, noSuchBucket } from "../errors.ts";
import { applyChange } from "./change.ts";
import { checkCondition, checkLock, checkRetentionChange } from "./condition.ts";
import { EtcdClient, type Compare, type EtcdOptions, type KV, type Op } from "./etcd-client.ts";
import { anyShard, commit, keys, Lost, noStats, optimistic, parse, SHARDS, unchanged, type Keys, type Stats, type WriteExtra } from "./etcd-keys.ts";
import { EtcdOutbox } from "./etcd-outbox.ts";
import { EtcdUploads } from "./etcd-uploads.ts";
import type { EngineEvent } from "./events.ts";
import { listPage, type Seek } from "./listing.ts";
import { ModularStore } from "./modular-store.ts";
import type {
  BucketChange, BucketRecord, Credential, ListEntry, ListPage, ListQuery, MetadataStore, ObjectChange, ObjectRecord, ObjectWrite, RecordKind, VersionPage,
  VersionQuery, WriteCondition,
} from "./store.ts";
import { NULL_VERSION } from "./store.ts";
import { listVersionPage, versionEntry, versionSortKey } from "./versions.ts";

const counted = (r: ObjectRecord) => (r.deleteMarker ? 0 : 1);
const bytesOf = (r: ObjectRecord) => (r.deleteMarker ? 0 : r.size);

export interface EtcdStoreOptions extends EtcdOptions {
  prefix: string;
}

export class EtcdMetadataStore extends ModularStore implements MetadataStore {
  readonly engine = "etcd";
  readonly etcd: EtcdClient;
  readonly k: Keys;
  protected outbox: EtcdOutbox;
  protected uploads: EtcdUploads;

  constructor(options: EtcdStoreOptions) {
    super();
    this.etcd = new EtcdClient(options);
    this.k = keys(options.prefix);
    this.outbox = new EtcdOutbox(this.etcd, this.k);
    this.uploads = new EtcdUploads(this.etcd, this.k, this.outbox, (r, condition, extra) => this.objectWrite(r, condition, extra));
  }

  async init(): Promise<void> {
    await this.ping();
  }

  async close(): Promise<void> {}

  /** A linearizable read (whatever serializable_reads says): it fails while etcd has no quorum. */
  async ping(): Promise<void> {
    await this.etcd.range(this.k.buckets, { limit: 1, keysOnly: true, linearizable: true });
  }

  async putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    await commit(this.etcd, [], [{ put: { key: this.k.credential(c.accessKey), value: JSON.stringify(c) } }, ...this.outbox.ops(events)]);
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    return parse<Credential>(await this.etcd.get(this.k.credential(accessKey)));
  }

  async listCredentials(): Promise<Credential[]> {
    const out: Credential[] = [];
    for await (const kv of this.etcd.all(this.k.credentials)) out.push(JSON.parse(kv.value) as Credential);
    return out;
  }

  async deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    const key = this.k.credential(accessKey);
    return this.etcd.txn([{ key, target: "CREATE", revision: 0, greater: true }], [{ del: { key } }, ...this.outbox.ops(events)]);
  }

  async getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return (await this.etcd.get(this.k.record(kind, id)))?.value ?? null;
  }

  async listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    const prefix = this.k.records(kind);
    const out: Array<{ id: string; value: string }> = [];
    for await (const kv of this.etcd.all(prefix)) out.push({ id: kv.key.slice(prefix.length), value: kv.value });
    return out;
  }

  /** Compare and swap: the record as read, then a transaction on its mod revision. */
  async putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    const key = this.k.record(kind, id);
    const kv = await this.etcd.get(key);
    if ((kv?.value ?? null) !== expected) return false;
    return this.etcd.txn([unchanged(key, kv)], [{ put: { key, value } }]);
  }

  /** Compare and delete: the record as read, then a transaction on its mod revision. */
  async deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    const key = this.k.record(kind, id);
    const kv = await this.etcd.get(key);
    if (kv?.value !== expected) return false;
    return this.etcd.txn([unchanged(key, kv)], [{ del: { key } }]);
  }

  async createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    const key = this.k.bucket(b.name);
    return this.etcd.txn([{ key, target: "CREATE", revision: 0 }], [{ put: { key, value: JSON.stringify(b) } }, ...this.outbox.ops(events)]);
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    return parse<BucketRecord>(await this.etcd.get(this.k.bucket(name)));
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const out: BucketRecord[] = [];
    for await (const kv of this.etcd.all(this.k.buckets)) out.push(JSON.parse(kv.value) as BucketRecord);
    return out;
  }

  /** A bucket's statistics shards as read (absent ones undefined), and their sum. */
  private async statShards(bucket: string): Promise<{ shards: Array<KV | undefined>; total: Stats }> {
    const shards = await this.etcd.getMany(Array.from({ length: SHARDS }, (_, i) => this.k.stat(bucket, i)));
    const total = noStats();
    for (const kv of shards) {
      const s = parse<Stats>(kv);
      if (s) for (const f of ["objects", "bytes", "versions", "uploads"] as const) total[f] += s[f];
    }
    return { shards, total };
  }

  async deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const bucketKey = this.k.bucket(name);
      const bucket = await this.etcd.get(bucketKey);
      if (!bucket) return false;
      if ((await this.statShards(name)).total.versions > 0) throw bucketNotEmpty(name);
      // Its uploads go first, each in its own small unit; their parts wait for the clean-up.
      for (const upload of await this.uploads.ofBucket(name)) await this.uploads.delete(upload.uploadId);
      const { shards, total } = await this.statShards(name);
      if (total.versions > 0) throw bucketNotEmpty(name);
      // Empty at the revisions read: a write since changed a shard, and this is read again.
      await commit(this.etcd, [unchanged(bucketKey, bucket), ...shards.map((kv, i) => unchanged(this.k.stat(name, i), kv))], [
        { del: { key: bucketKey } }, { del: { key: this.k.statsOf(name), prefix: true } }, ...this.outbox.ops(events),
      ]);
      return true;
    });
  }

  async updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const key = this.k.bucket(name);
      const kv = await this.etcd.get(key);
      if (!kv) return false;
      const next = applyChange(JSON.parse(kv.value) as BucketRecord, change);
      await commit(this.etcd, [unchanged(key, kv)], [{ put: { key, value: JSON.stringify(next) } }, ...this.outbox.ops(events)]);
      return true;
    });
  }

  /** The etcd key of a noncurrent version (the null version is found among the key's versions by its id). */
  private async noncurrent(bucket: string, key: string, versionId: string): Promise<KV | undefined> {
    if (versionId !== NULL_VERSION) return this.etcd.get(this.k.version(bucket, key, versionId));
    for await (const kv of this.etcd.all(this.k.versions(bucket, key))) if ((JSON.parse(kv.value) as ObjectRecord).versionId === NULL_VERSION) return kv;
    return undefined;
  }

  /**
   * A key's current key-value and a version's (the current one for no versionId, or the current's), as
   * they were at one moment: a noncurrent version not found while the current one changed may have just
   * become current (a delete promoting it), so both are read again.
   */
  private async versionKvs(bucket: string, key: string, versionId: string | undefined, current?: KV | null): Promise<{ cur?: KV; kv?: KV }> {
    let cur = current === undefined ? await this.etcd.get(this.k.object(bucket, key)) : current ?? undefined;
    for (;;) {
      if (versionId === undefined || parse<ObjectRecord>(cur)?.versionId === versionId) return { cur, kv: cur };
      const kv = await this.noncurrent(bucket, key, versionId);
      if (kv || !cur) return { cur, kv };
      const again = await this.etcd.get(this.k.object(bucket, key));
      if (again?.modRevision === cur.modRevision) return { cur, kv };
      cur = again;
    }
  }

  private async versionKv(bucket: string, key: string, versionId: string | undefined, current?: KV | null): Promise<KV | undefined> {
    return (await this.versionKvs(bucket, key, versionId, current)).kv;
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    return parse<ObjectRecord>(await this.versionKv(bucket, key, versionId));
  }

  async putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    return optimistic(() => this.objectWrite(r, condition, { events }));
  }

  /** The ops that add `d` to statistics shard `shard`, as read in `kv`, and its compare. */
  private statOps(bucket: string, shard: number, kv: KV | undefined, d: Partial<Stats>): { compare: Compare; op: Op } {
    const statKey = this.k.stat(bucket, shard);
    const s = parse<Stats>(kv) ?? noStats();
    for (const f of ["objects", "bytes", "versions", "uploads"] as const) s[f] += d[f] ?? 0;
    return { compare: unchanged(statKey, kv), op: { put: { key: statKey, value: JSON.stringify(s) } } };
  }

  /**
   * One attempt at writing `r` as its key's current version: reads the bucket, the current version and
   * the statistics shard at one revision, checks the condition, and commits the new current version,
   * the previous one moved to the noncurrent versions (or freed), the shard and `extra` in one txn.
   */
  async objectWrite(r: ObjectRecord, condition: WriteCondition | undefined, extra: WriteExtra): Promise<ObjectWrite> {
    const curKey = this.k.object(r.bucket, r.key);
    const shard = anyShard();
    const statKey = this.k.stat(r.bucket, shard);
    const [bucket, cur, stat] = await this.etcd.getMany([this.k.bucket(r.bucket), curKey, statKey]);
    if (!bucket) throw noSuchBucket(r.bucket);
    const previous = parse<ObjectRecord>(cur);
    // This very record is current already: an earlier attempt whose answer was lost (a timeout, a
    // member that failed after committing) did it. Freeing `previous` now would free its own data.
    if (cur && cur.value === JSON.stringify(r)) return { previous: null, freed: [] };
    checkCondition(r.key, previous, condition, r.deleteMarker === true);
    const freed: ObjectRecord[] = [];
    const compares: Compare[] = [{ key: this.k.bucket(r.bucket), target: "CREATE", revision: bucket.createRevision }, unchanged(curKey, cur)];
    const ops: Op[] = [{ put: { key: curKey, value: JSON.stringify(r) } }];
    if (r.storageId) ops.push({ put: { key: this.k.storageId(r.storageId), value: "o" } });
    if (previous && previous.versionId === r.versionId) freed.push(previous);
    else if (previous) ops.push({ put: { key: this.k.version(r.bucket, r.key, versionSortKey(previous)), value: JSON.stringify(previous) } });
    if (r.versionId === NULL_VERSION && previous && previous.versionId !== NULL_VERSION) {
      const nullKv = await this.noncurrent(r.bucket, r.key, NULL_VERSION);
      if (nullKv) {
        freed.push(JSON.parse(nullKv.value) as ObjectRecord);
        compares.push(unchanged(nullKv.key, nullKv));
        ops.push({ del: { key: nullKv.key } });
      }
    }
    for (const f of freed) if (f.storageId && f.storageId !== r.storageId) ops.push({ del: { key: this.k.storageId(f.storageId) } });
    const stats = this.statOps(r.bucket, shard, stat, {
      objects: counted(r) - freed.reduce((n, f) => n + counted(f), 0),
      bytes: bytesOf(r) - freed.reduce((n, f) => n + bytesOf(f), 0),
      versions: 1 - freed.length,
      uploads: extra.uploads ?? 0,
    });
    compares.push(stats.compare, ...(extra.compares ?? []));
    ops.push(stats.op, ...(extra.ops ?? []), ...this.outbox.ops(extra.events));
    await commit(this.etcd, compares, ops);
    return { previous, freed };
  }

  async deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    return optimistic(async () => {
      const curKey = this.k.object(bucket, key);
      const shard = anyShard();
      const statKey = this.k.stat(bucket, shard);
      const [cur, stat] = await this.etcd.getMany([curKey, statKey]);
      const current = parse<ObjectRecord>(cur);
      checkCondition(key, current, options.condition, true);
      const { cur: seen, kv: targetKv } = await this.versionKvs(bucket, key, options.versionId, cur ?? null);
      // The key changed since it was read with the statistics shard: read both again.
      if (seen?.modRevision !== cur?.modRevision) throw new Lost("the key changed while its version was read");
      const target = parse<ObjectRecord>(targetKv);
      if (!cur || !targetKv || !target) return null;
      checkLock(target, options.bypassGovernance);
      const compares: Compare[] = [unchanged(curKey, cur)];
      const ops: Op[] = [];
      if (targetKv.key === curKey) {
        // The newest noncurrent version, if any, becomes current.
        const { kvs: [newest] } = await this.etcd.range(this.k.versions(bucket, key), { limit: 1 });
        if (newest) {
          ops.push({ put: { key: curKey, value: newest.value } }, { del: { key: newest.key } });
          compares.push(unchanged(newest.key, newest));
        } else {
          ops.push({ del: { key: curKey } });
        }
      } else {
        ops.push({ del: { key: targetKv.key } });
        compares.push(unchanged(targetKv.key, targetKv));
      }
      if (target.storageId) ops.push({ del: { key: this.k.storageId(target.storageId) } });
      const stats = this.statOps(bucket, shard, stat, { objects: -counted(target), bytes: -bytesOf(target), versions: -1 });
      await commit(this.etcd, [...compares, stats.compare], [...ops, stats.op, ...this.outbox.ops(options.events)]);
      return target;
    });
  }

  async updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const kv = await this.versionKv(bucket, key, versionId);
      const o = parse<ObjectRecord>(kv);
      if (!kv || !o || o.deleteMarker) return false;
      if (change.retention !== undefined) checkRetentionChange(o.retention, change.retention, change.bypassGovernance);
      const next = applyChange(o, change);
      await commit(this.etcd, [unchanged(kv.key, kv)], [{ put: { key: kv.key, value: JSON.stringify(next) } }, ...this.outbox.ops(events)]);
      return true;
    });
  }

  /** Current versions in key order from a point: range pages, delete markers skipped unless wanted. */
  private seek(bucket: string, markers: boolean): Seek {
    const prefix = this.k.objects(bucket);
    return async (from, inclusive, limit) => {
      const out: ListEntry[] = [];
      let at = `${prefix}${from}`;
      let after = !inclusive;
      for (;;) {
        const page = await this.etcd.range(prefix, { from: at, after, limit: Math.max(limit - out.length, 1) + (markers ? 0 : 8) });
        for (const kv of page.kvs) {
          const o = JSON.parse(kv.value) as ObjectRecord;
          if (!markers && o.deleteMarker) continue;
          out.push({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass, owner: o.owner });
          if (out.length === limit) return out;
        }
        if (!page.more || page.kvs.length === 0) return out;
        at = page.kvs[page.kvs.length - 1]!.key;
        after = true;
      }
    };
  }

  private async mustExist(bucket: string): Promise<void> {
    if (!(await this.etcd.get(this.k.bucket(bucket)))) throw noSuchBucket(bucket);
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    await this.mustExist(bucket);
    return listPage(query, this.seek(bucket, false));
  }

  async listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    await this.mustExist(bucket);
    return listVersionPage(query, this.seek(bucket, true), async (key, after, limit) => {
      const cur = await this.etcd.get(this.k.object(bucket, key));
      const current = parse<ObjectRecord>(cur);
      if (!current) return [];
      const out = after === undefined ? [versionEntry(current, true)] : [];
      let from: string | undefined;
      if (after !== undefined && after !== current.versionId) {
        const marker = parse<ObjectRecord>(await this.noncurrent(bucket, key, after));
        if (!marker) return [];
        from = this.k.version(bucket, key, versionSortKey(marker));
      }
      const prefix = this.k.versions(bucket, key);
      while (out.length < limit) {
        const page = await this.etcd.range(prefix, { ...(from !== undefined ? { from, after: true } : {}), limit: limit - out.length });
        out.push(...page.kvs.map((kv) => versionEntry(JSON.parse(kv.value) as ObjectRecord, false)));
        if (!page.more || page.kvs.length === 0) break;
        from = page.kvs[page.kvs.length - 1]!.key;
      }
      return out.slice(0, limit);
    });
  }

  /** Every bucket's statistics, summed over its shards. */
  private async allStats(): Promise<Map<string, Stats>> {
    const out = new Map<string, Stats>();
    for (const b of await this.listBuckets()) out.set(b.name, noStats());
    for await (const kv of this.etcd.all(this.k.stats)) {
      const bucket = kv.key.slice(this.k.stats.length).split("/")[0]!;
      const s = JSON.parse(kv.value) as Stats;
      const t = out.get(bucket);
      if (t) for (const f of ["objects", "bytes", "versions", "uploads"] as const) t[f] += s[f];
    }
    return out;
  }

  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    return [...(await this.allStats())].map(([bucket, s]) => ({ bucket, objects: s.objects, bytes: s.bytes }));
  }

  async openUploadCount(): Promise<number> {
    let n = 0;
    for (const s of (await this.allStats()).values()) n += s.uploads;
    return n;
  }

  async isStorageIdReferenced(storageId: string): Promise<boolean> {
    return (await this.etcd.get(this.k.storageId(storageId))) !== undefined;
  }
}

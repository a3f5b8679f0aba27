// SQLite metadata engine (bun:sqlite): WAL, every write acknowledged only after a group commit's WAL
// fdatasync (so it survives power loss), numbered migrations in user_version, prepared statements,
// objects clustered by (bucket, key) so listing is an index range scan, hot object records cached.
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { BoundedMap } from "../bounded-map.ts";
import { bucketNotEmpty, noSuchBucket } from "../errors.ts";
import { GroupCommit } from "./group-commit.ts";
import { listPage, type Seek } from "./listing.ts";
import {
  noncurrentRow, objectParams, prepareObjects, versionParams, toEntry, toObject, versionsOfKey, type ObjectRow,
} from "./sqlite-objects.ts";
import {
  NULL_VERSION, type BucketChange, type BucketRecord, type CompletedUpload, type Credential, type ListPage, type ListQuery,
  type MetadataStore, type ObjectChange, type ObjectRecord, type ObjectWrite, type PartPage, type PartRecord, type RecordKind, type UploadRecord,
  type VersionPage, type VersionQuery, type WriteCondition,
} from "./store.ts";
import { listVersionPage, versionSortKey } from "./versions.ts";
import { checkCondition, checkLock, checkRetentionChange } from "./condition.ts";
import { applyChange } from "./change.ts";
import type { EngineEvent, StoredEvent } from "./events.ts";
import { SqliteOutbox } from "./sqlite-outbox.ts";
import { SqliteRecords } from "./sqlite-records.ts";
import { bucketParams, MIGRATIONS, toBucket, toCredential, type BucketRow, type CredentialRow } from "./sqlite-schema.ts";
import { SqliteUploads } from "./sqlite-uploads.ts";
import { prepareWalk, walkOf } from "./sqlite-walk.ts";
import { frozen } from "./frozen.ts";
import type { ChangeEpoch } from "../change-epoch.ts";


/** Object records kept in memory for reads (a few KiB each at most). */
const OBJECT_CACHE_ENTRIES = 1024;
/** When the cache is full, one miss in this many takes a place (see BoundedMap). */
const CACHE_ADMIT_WHEN_FULL = 1 / 16;

export class SqliteMetadataStore implements MetadataStore {
  readonly engine = "sqlite";
  private db!: Database;
  /** The open connection, for storage.backend: sqlite, which keeps object bytes in this database. */
  get connection(): Database {
    return this.db;
  }
  private q!: ReturnType<SqliteMetadataStore["prepare"]>;
  private commits!: GroupCommit;
  private u!: SqliteUploads;
  private outbox!: SqliteOutbox;
  private records!: SqliteRecords;
  private o!: ReturnType<typeof prepareObjects>;
  private walk!: ReturnType<typeof prepareWalk>;
  /**
   * Recently read object records, so a GET or HEAD of a hot key skips the row fetch and its JSON
   * parsing. Each statement that changes an object row drops the key here in the same transaction;
   * this process alone has the database open (locking_mode=EXCLUSIVE), or (worker processes) a commit
   * by any of them empties the cache before the next read. So an entry is never stale.
   */
  private readonly objectCache = new BoundedMap<string, ObjectRecord>(OBJECT_CACHE_ENTRIES, CACHE_ADMIT_WHEN_FULL);

  /** The epoch the object cache was filled at (worker processes: see `shared`). */
  private seen = 0;

  /**
   * `shared`: worker processes open the database together (server.workers); every commit bumps this
   * epoch, and the object cache drops what it holds when another process's commit moved it.
   */
  constructor(private readonly path: string, private readonly shared?: ChangeEpoch) {}

  /** How often, and how long in all, group commits waited for the write lock (held by another worker process). */
  lockWaits(): { count: number; seconds: number } {
    return this.commits.lockWaits;
  }

  async init(): Promise<void> {
    if (this.path !== ":memory:") mkdirSync(dirname(this.path), { recursive: true });
    this.db = new Database(this.path, { create: true, strict: true });
    try {
      if (this.shared) {
        // Writers take turns on the WAL's write lock; one that finds it taken waits (a transaction
        // holds it for its statements only: the fdatasync runs after the commit, without it).
        this.db.exec("PRAGMA busy_timeout = 10000");
      } else {
        // One process owns the database: exclusive locking keeps the WAL index in process memory (no
        // shared-memory file, no lock calls per statement) and makes a second server on the same data
        // directory fail here at once instead of writing beside us.
        this.db.exec("PRAGMA locking_mode = EXCLUSIVE");
      }
      this.db.exec("PRAGMA journal_mode = WAL");
      this.db.exec("BEGIN IMMEDIATE");
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === "SQLITE_NOTADB") throw new Error(`metadata file ${this.path} is not a SQLite database`);
      if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
        throw new Error(`metadata database ${this.path} is in use by another process (is another BleepStore running on this data directory?)`);
      }
      throw err;
    }
    // NORMAL: commits are not fsynced by SQLite (WAL mode stays consistent whatever happens); the
    // group commit (group-commit.ts) fdatasyncs the WAL itself, off the event loop, before any
    // write is acknowledged.
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.migrate();
    this.q = this.prepare();
    this.commits = new GroupCommit(this.db, this.path);
    if (this.shared) {
      const epoch = this.shared;
      this.commits.afterCommit = () => epoch.bump();
      this.seen = epoch.current();
    }
    this.u = new SqliteUploads(this.db);
    this.outbox = new SqliteOutbox(this.db, (run) => this.grouped(run));
    this.records = new SqliteRecords(this.db, (run) => this.grouped(run));
    this.commits.beforeCommit = () => this.outbox.persist();
    this.o = prepareObjects(this.db);
    this.walk = prepareWalk(this.db);
  }

  private migrate(): void {
    const { user_version: current } = this.db.query("PRAGMA user_version").get() as { user_version: number };
    if (current > MIGRATIONS.length) {
      throw new Error(`metadata database ${this.path} has schema ${current}, newer than this build knows (${MIGRATIONS.length})`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
      })();
    }
  }

  private prepare() {
    const db = this.db;
    return {
      ping: db.query("SELECT 1"),
      probe: db.query("INSERT INTO probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at"),
      putCredential: db.query(
        `INSERT INTO credentials (access_key, secret_key, owner_id, owner_name, created_at, policy, disabled)
         VALUES ($access_key, $secret_key, $owner_id, $owner_name, $created_at, $policy, $disabled)
         ON CONFLICT (access_key) DO UPDATE SET secret_key = excluded.secret_key, owner_id = excluded.owner_id,
           owner_name = excluded.owner_name, created_at = excluded.created_at, policy = excluded.policy, disabled = excluded.disabled`),
      getCredential: db.query("SELECT * FROM credentials WHERE access_key = ?") as Statement<CredentialRow>,
      listCredentials: db.query("SELECT * FROM credentials ORDER BY access_key") as Statement<CredentialRow>,
      deleteCredential: db.query("DELETE FROM credentials WHERE access_key = ?"),
      insertBucket: db.query(
        `INSERT OR IGNORE INTO buckets (name, region, owner_id, owner_name, acl, created_at, versioning, tags, cors, encryption, object_lock, notification, policy,
           public_access_block, ownership, lifecycle, logging)
         VALUES ($name, $region, $owner_id, $owner_name, $acl, $created_at, $versioning, $tags, $cors, $encryption, $object_lock, $notification, $policy,
           $public_access_block, $ownership, $lifecycle, $logging)`),
      getBucket: db.query("SELECT * FROM buckets WHERE name = ?") as Statement<BucketRow>,
      listBuckets: db.query("SELECT * FROM buckets ORDER BY name") as Statement<BucketRow>,
      deleteBucket: db.query("DELETE FROM buckets WHERE name = ?"),
      updateBucket: db.query(
        `UPDATE buckets SET acl = $acl, versioning = $versioning, tags = $tags, cors = $cors, encryption = $encryption, object_lock = $object_lock,
         notification = $notification, policy = $policy, public_access_block = $public_access_block, ownership = $ownership,
         lifecycle = $lifecycle, logging = $logging WHERE name = $name`),
      countObjects: db.query("UPDATE buckets SET object_count = object_count + ?, byte_count = byte_count + ? WHERE name = ?"),
      bucketStats: db.query("SELECT name, object_count, byte_count FROM buckets ORDER BY name") as Statement<{ name: string; object_count: number; byte_count: number }>,
    };
  }

  /**
   * Every write goes through the group commit (see group-commit.ts), and writes its events to the
   * outbox in the same transaction when `changed` says the write did something.
   */
  private grouped<T>(run: () => T, events?: EngineEvent[], changed: (result: T) => boolean = () => true): Promise<T> {
    if (!events?.length) return this.commits.run(run);
    return this.commits.run(() => {
      const result = run();
      if (changed(result)) this.outbox.append(events);
      return result;
    });
  }

  async close(): Promise<void> {
    this.outbox?.close();
    this.db?.close();
    this.commits?.close();
  }

  /** Proves the database answers and can take the write lock (a read-only or locked file fails). */
  /** A read, then a write committed and synced like any other (readiness means writes work). */
  async ping(): Promise<void> {
    this.q.ping.get();
    await this.grouped(() => this.q.probe.run(Date.now()));
  }

  async putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    await this.grouped(() => this.q.putCredential.run({
      access_key: c.accessKey, secret_key: c.secretKey, owner_id: c.owner.id, owner_name: c.owner.displayName, created_at: c.createdAt,
      policy: c.policy ?? null, disabled: c.disabled ? 1 : 0,
    }), events);
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    const row = this.q.getCredential.get(accessKey);
    return row ? toCredential(row) : null;
  }

  async listCredentials(): Promise<Credential[]> {
    return this.q.listCredentials.all().map(toCredential);
  }

  deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    return this.grouped(() => this.q.deleteCredential.run(accessKey).changes > 0, events, Boolean);
  }

  async getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return this.records.get(kind, id);
  }

  async listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    return this.records.list(kind);
  }

  putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    return this.records.put(kind, id, value, expected ?? null);
  }

  deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    return this.records.delete(kind, id, expected);
  }

  createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    return this.grouped(() => this.q.insertBucket.run(bucketParams(b)).changes > 0, events, Boolean);
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    const row = this.q.getBucket.get(name);
    return row ? toBucket(row) : null;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return this.q.listBuckets.all().map(toBucket);
  }

  deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    return this.grouped(() => {
      if (this.o.anyObject.get(name) || this.o.anyVersion.get(name)) throw bucketNotEmpty(name);
      if (this.q.deleteBucket.run(name).changes === 0) return false;
      this.u.deleteOfBucket(name);
      return true;
    }, events, Boolean);
  }

  updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    return this.grouped(() => {
      const row = this.q.getBucket.get(name);
      if (!row) return false;
      const { region: _r, owner_id: _i, owner_name: _n, created_at: _c, ...fields } = bucketParams(applyChange(toBucket(row), change));
      this.q.updateBucket.run(fields);
      return true;
    }, events, Boolean);
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    // Bucket names hold no "/", so bucket + "/" + key names one current version.
    const cacheKey = `${bucket}/${key}`;
    if (this.shared && this.shared.current() !== this.seen) {
      this.objectCache.clear();
      this.seen = this.shared.current();
    }
    let current = this.objectCache.get(cacheKey) ?? null;
    if (!current) {
      const row = this.o.getObject.get(bucket, key);
      if (!row) return null;
      current = frozen(toObject(row));
      this.objectCache.set(cacheKey, current);
    }
    if (versionId === undefined || current.versionId === versionId) return current;
    const row = this.noncurrent(bucket, key, versionId);
    return row ? toObject(row) : null;
  }

  private noncurrent(bucket: string, key: string, versionId: string): ObjectRow | null {
    return noncurrentRow(this.o, bucket, key, versionId);
  }

  putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    return this.grouped(() => this.writeObject(r, condition), events);
  }

  /** Inside a transaction: the put of store.ts (checks, version moves, counters). */
  private writeObject(r: ObjectRecord, condition?: WriteCondition): ObjectWrite {
    if (!this.q.getBucket.get(r.bucket)) throw noSuchBucket(r.bucket);
    const row = this.o.getObject.get(r.bucket, r.key);
    const previous = row ? toObject(row) : null;
    checkCondition(r.key, previous, condition, r.deleteMarker === true);
    const freed: ObjectRecord[] = [];
    if (previous?.versionId === r.versionId) freed.push(previous);
    else if (previous) this.o.insertVersion.run(versionParams(previous));
    if (r.versionId === NULL_VERSION && previous && previous.versionId !== NULL_VERSION) {
      const older = this.o.getNullVersion.get(r.bucket, r.key);
      if (older) {
        this.o.deleteVersion.run(r.bucket, r.key, versionSortKey(toObject(older)));
        freed.push(toObject(older));
      }
    }
    this.objectCache.delete(`${r.bucket}/${r.key}`);
    this.o.upsertObject.run(objectParams(r));
    this.count(r, 1);
    for (const f of freed) this.count(f, -1);
    return { previous, freed };
  }

  /** Keeps the bucket's object and byte counters (versions that are not delete markers). */
  private count(r: ObjectRecord, sign: 1 | -1): void {
    if (!r.deleteMarker) this.q.countObjects.run(sign, sign * r.size, r.bucket);
  }

  deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    // A plain delete of a key that has no version removes nothing: answered from the committed state
    // (once what it was read from is durable) without a transaction of its own.
    if (options.versionId === undefined && !options.condition && !this.o.getObject.get(bucket, key)) return this.commits.barrier().then(() => null);
    return this.grouped((): ObjectRecord | null => {
      const row = this.o.getObject.get(bucket, key);
      const current = row ? toObject(row) : null;
      checkCondition(key, current, options.condition, true);
      const { versionId } = options;
      if (versionId !== undefined && current?.versionId !== versionId) {
        const older = this.noncurrent(bucket, key, versionId);
        if (!older) return null;
        const removed = toObject(older);
        checkLock(removed, options.bypassGovernance);
        this.o.deleteVersion.run(bucket, key, versionSortKey(removed));
        this.count(removed, -1);
        return removed;
      }
      if (!current) return null;
      checkLock(current, options.bypassGovernance);
      this.objectCache.delete(`${bucket}/${key}`);
      // The newest noncurrent version, if any, becomes current.
      const newest = this.o.anyOlder.get(bucket, key) ? this.o.versionsAfter.get(bucket, key, "", 1) : null;
      if (newest) {
        this.o.deleteVersion.run(bucket, key, versionSortKey(toObject(newest)));
        this.o.upsertObject.run(objectParams(toObject(newest)));
      } else {
        this.o.deleteObject.run(bucket, key);
      }
      this.count(current, -1);
      return current;
    }, options.events, (removed) => removed !== null);
  }

  updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    return this.grouped(() => {
      const current = this.o.getObject.get(bucket, key);
      const isCurrent = versionId === undefined || current?.version_id === versionId;
      const row = isCurrent ? current : this.noncurrent(bucket, key, versionId);
      if (!row || row.delete_marker) return false;
      const before = toObject(row);
      if (change.retention !== undefined) checkRetentionChange(before.retention, change.retention, change.bypassGovernance);
      const o = applyChange(before, change);
      const p = objectParams(o);
      const fields = [p.acl, p.tags, p.lock, bucket, key] as const;
      if (!isCurrent) return this.o.updateVersion.run(...fields, versionSortKey(o)).changes > 0;
      this.objectCache.delete(`${bucket}/${key}`);
      return this.o.updateCurrent.run(...fields).changes > 0;
    }, events, Boolean);
  }

  /** Current versions in key order from a point: a range scan on the (bucket, key) primary key. */
  private seek(bucket: string, s: ReturnType<typeof prepareObjects>["live"]): Seek {
    return (from, inclusive, limit) => {
      if (limit === 1) {
        const first = (inclusive ? s.firstFrom : s.firstAfter).get(bucket, from);
        return first ? [toEntry(first)] : [];
      }
      return (inclusive ? s.pageFrom : s.pageAfter).all(bucket, from, limit).map(toEntry);
    };
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    if (!this.q.getBucket.get(bucket)) throw noSuchBucket(bucket);
    return listPage(query, this.seek(bucket, this.o.live), walkOf(this.walk, bucket));
  }

  async listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    if (!this.q.getBucket.get(bucket)) throw noSuchBucket(bucket);
    return listVersionPage(query, this.seek(bucket, this.o.all), async (key, after, limit) => versionsOfKey(this.o, bucket, key, after, limit));
  }

  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    return this.q.bucketStats.all().map((r) => ({ bucket: r.name, objects: r.object_count, bytes: r.byte_count }));
  }

  async openUploadCount(): Promise<number> {
    return this.u.openCount();
  }

  async isStorageIdReferenced(storageId: string): Promise<boolean> {
    return this.o.objectByStorageId.get(storageId) !== null || this.o.versionByStorageId.get(storageId) !== null
      || this.u.referencesStorage(storageId);
  }

  createUpload(upload: UploadRecord, events?: EngineEvent[]): Promise<void> {
    return this.grouped(() => {
      if (!this.q.getBucket.get(upload.bucket)) throw noSuchBucket(upload.bucket);
      this.u.insert(upload);
    }, events);
  }

  async getUpload(uploadId: string): Promise<UploadRecord | null> {
    return this.u.get(uploadId);
  }

  async listUploads(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return this.u.list(bucket, prefix, after, limit);
  }

  async uploadsInitiatedBefore(before: number): Promise<UploadRecord[]> {
    return this.u.initiatedBefore(before);
  }

  putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    return this.grouped(() => this.u.putPart(part), events);
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    return this.u.listParts(uploadId, after, max);
  }

  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<CompletedUpload> {
    return this.grouped((): CompletedUpload => {
      this.u.assertInProgress(uploadId);
      const write = this.writeObject(object, condition);
      this.u.markCompleted(uploadId, object.etag);
      return write;
    }, events);
  }

  deleteUpload(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return this.grouped(() => this.u.delete(uploadId), events, Boolean);
  }

  deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    return this.grouped(() => this.u.deleteParts(uploadId, partNumbers));
  }

  async uploadsWithParts(limit: number): Promise<string[]> {
    return this.u.withParts(limit);
  }

  async pendingEvents(limit: number): Promise<StoredEvent[]> {
    return this.outbox.pending(limit);
  }

  async markDelivered(seq: number): Promise<void> {
    this.outbox.markDelivered(seq);
  }

  async listEvents(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.outbox.list(afterSeq, limit);
  }
}

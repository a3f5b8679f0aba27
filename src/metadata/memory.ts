// In-memory metadata engine: for tests and throwaway servers. Per bucket, a key-sorted array (UTF-8
// order) beside a map, so listing seeks by binary search like the SQLite engine's index.
import { bucketNotEmpty, noSuchBucket } from "../errors.ts";
import type { EngineEvent, StoredEvent } from "./events.ts";
import { MemoryOutbox } from "./memory-outbox.ts";
import { MemoryUploads } from "./memory-uploads.ts";
import { checkCondition, checkLock, checkRetentionChange } from "./condition.ts";
import { compareKeys, listPage, type Seek } from "./listing.ts";
import type {
  BucketChange, BucketRecord, CompletedUpload, Credential, ListEntry, ListPage, ListQuery, MetadataStore, ObjectChange, ObjectRecord, ObjectWrite, PartPage,
  PartRecord, RecordKind, UploadRecord, VersionPage, VersionQuery, WriteCondition,
} from "./store.ts";
import { listVersionPage, versionEntry, versionSortKey } from "./versions.ts";
import { applyChange } from "./change.ts";
import { frozen } from "./frozen.ts";
import { BoundedMap } from "../bounded-map.ts";
import { lowerBound, lowerBoundBy, type BucketState, type MemoryState } from "./memory-state.ts";

export type { MemoryState } from "./memory-state.ts";

// Records are copied in (and object versions frozen); other records are copied out, so callers can never change the store.
const copy = <T>(value: T): T => structuredClone(value);

export class MemoryMetadataStore implements MetadataStore {
  readonly engine = "memory";
  private readonly credentials = new Map<string, Credential>();
  /** Small records by kind, then id (getRecord). */
  private readonly records = new Map<RecordKind, Map<string, string>>();
  private readonly buckets = new Map<string, BucketState>();
  private readonly uploads = new MemoryUploads();
  private readonly outbox = new MemoryOutbox(() => this.checks);
  /**
   * Off while an op log is replayed (the local engine): a change that passed its preconditions and
   * Object Lock checks when it was made is applied as it was, whatever the clock says now.
   */
  private checks = true;

  /** Owners and ACLs, most of them alike: one frozen copy of each, shared by the versions that have it. */
  private readonly alike = new BoundedMap<string, unknown>(10_000);

  /** The version frozen, its owner and ACL shared with the versions that have the same ones (memory at scale). */
  private shared(r: ObjectRecord): ObjectRecord {
    if (!Object.isFrozen(r)) {
      for (const field of ["owner", "acl"] as const) {
        const id = `${field}:${JSON.stringify(r[field])}`;
        const known = this.alike.get(id);
        if (known) (r as unknown as Record<string, unknown>)[field] = known;
        else this.alike.set(id, frozen(r[field]));
      }
    }
    return frozen(r);
  }

  /** Runs `apply` with preconditions and lock checks off (replay of changes already made once). */
  replay<T>(apply: () => T): T {
    this.checks = false;
    try {
      return apply();
    } finally {
      this.checks = true;
    }
  }

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}

  async putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    this.credentials.set(c.accessKey, copy(c));
    this.outbox.append(events);
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    const c = this.credentials.get(accessKey);
    return c ? copy(c) : null;
  }

  async listCredentials(): Promise<Credential[]> {
    return [...this.credentials.values()].sort((a, b) => compareKeys(a.accessKey, b.accessKey)).map(copy);
  }

  async deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    return this.changed(this.credentials.delete(accessKey), events);
  }

  async getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return this.records.get(kind)?.get(id) ?? null;
  }

  async listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    return [...(this.records.get(kind) ?? new Map<string, string>())].sort(([a], [b]) => compareKeys(a, b)).map(([id, value]) => ({ id, value }));
  }

  async deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    const records = this.records.get(kind);
    if (records?.get(id) !== expected) return false;
    records.delete(id);
    return true;
  }

  async putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    const records = this.records.get(kind) ?? new Map<string, string>();
    // `expected` undefined too (a replayed log line's null): none.
    if ((records.get(id) ?? null) !== (expected ?? null)) return false;
    records.set(id, value);
    this.records.set(kind, records);
    return true;
  }

  /** Appends the events of a change that happened; passes `done` through. */
  private changed(done: boolean, events: EngineEvent[] | undefined): boolean {
    if (done) this.outbox.append(events);
    return done;
  }

  async createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    if (this.buckets.has(b.name)) return false;
    this.buckets.set(b.name, { record: copy(b), keys: [], objects: new Map(), older: new Map(), count: 0, bytes: 0 });
    return this.changed(true, events);
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    const state = this.buckets.get(name);
    return state ? copy(state.record) : null;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return [...this.buckets.values()].map((s) => copy(s.record)).sort((a, b) => compareKeys(a.name, b.name));
  }

  async deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    const state = this.buckets.get(name);
    if (!state) return false;
    if (state.objects.size > 0 || state.older.size > 0) throw bucketNotEmpty(name);
    this.buckets.delete(name);
    for (const [id, upload] of this.uploads.records) if (upload.bucket === name) this.uploads.delete(id);
    return this.changed(true, events);
  }

  async updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    const state = this.buckets.get(name);
    if (!state) return false;
    state.record = applyChange(state.record, copy(change));
    return this.changed(true, events);
  }

  /** The stored version (not a copy), current or noncurrent; null if the key has no such version. */
  private version(state: BucketState | undefined, key: string, versionId: string | undefined): ObjectRecord | null {
    const current = state?.objects.get(key) ?? null;
    if (versionId === undefined || current?.versionId === versionId) return current;
    return state?.older.get(key)?.find((v) => v.versionId === versionId) ?? null;
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    return this.version(this.buckets.get(bucket), key, versionId);
  }

  async putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    const write = this.writeObject(r, condition);
    this.outbox.append(events);
    return write;
  }

  private count(state: BucketState, r: ObjectRecord, sign: 1 | -1): void {
    if (r.deleteMarker) return;
    state.count += sign;
    state.bytes += sign * r.size;
  }

  private writeObject(r: ObjectRecord, condition?: WriteCondition): ObjectWrite {
    const state = this.buckets.get(r.bucket);
    if (!state) throw noSuchBucket(r.bucket);
    const previous = state.objects.get(r.key) ?? null;
    if (this.checks) checkCondition(r.key, previous, condition, r.deleteMarker === true);
    const freed: ObjectRecord[] = [];
    const older = (state.older.get(r.key) ?? []).filter((v) => {
      if (v.versionId !== r.versionId) return true;
      freed.push(v);
      return false;
    });
    if (previous?.versionId === r.versionId) freed.push(previous);
    else if (previous) older.splice(lowerBoundBy(older, versionSortKey(previous)), 0, previous);
    if (older.length > 0) state.older.set(r.key, older);
    else state.older.delete(r.key);
    if (!previous) state.keys.splice(lowerBound(state.keys, r.key, true), 0, r.key);
    // Stored frozen, handed out as it is. A replayed record was just parsed: nobody else holds it.
    state.objects.set(r.key, this.shared(this.checks ? copy(r) : r));
    this.count(state, r, 1);
    for (const f of freed) this.count(state, f, -1);
    return { previous, freed };
  }

  async deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    const state = this.buckets.get(bucket);
    const current = state?.objects.get(key) ?? null;
    if (this.checks) checkCondition(key, current, options.condition, true);
    const target = this.version(state, key, options.versionId);
    if (!state || !target) return null;
    if (this.checks) checkLock(target, options.bypassGovernance);
    this.count(state, target, -1);
    const older = state.older.get(key) ?? [];
    if (target !== current) {
      older.splice(older.indexOf(target), 1);
    } else if (older.length > 0) {
      state.objects.set(key, older.shift()!);
    } else {
      state.objects.delete(key);
      state.keys.splice(lowerBound(state.keys, key, true), 1);
    }
    if (older.length === 0) state.older.delete(key);
    this.outbox.append(options.events);
    return target;
  }

  async updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    const state = this.buckets.get(bucket);
    const o = this.version(state, key, versionId);
    if (!state || !o || o.deleteMarker) return false;
    if (change.retention !== undefined && this.checks) checkRetentionChange(o.retention, change.retention, change.bypassGovernance);
    // Replaced, never changed in place: a snapshot being written may hold the old record.
    const next = this.shared(applyChange(o, copy(change)));
    if (state.objects.get(key) === o) state.objects.set(key, next);
    else {
      const older = state.older.get(key)!;
      older[older.indexOf(o)] = next;
    }
    return this.changed(true, events);
  }

  /** Current versions in key order from a point, delete markers included or not. */
  private seek(state: BucketState, markers: boolean): Seek {
    return (from, inclusive, limit) => {
      const out: ListEntry[] = [];
      for (let i = lowerBound(state.keys, from, inclusive); i < state.keys.length && out.length < limit; i++) {
        const o = state.objects.get(state.keys[i]!)!;
        if (!markers && o.deleteMarker) continue;
        out.push({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass, owner: { ...o.owner } });
      }
      return out;
    };
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    const state = this.buckets.get(bucket);
    if (!state) throw noSuchBucket(bucket);
    return listPage(query, this.seek(state, false));
  }

  async listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    const state = this.buckets.get(bucket);
    if (!state) throw noSuchBucket(bucket);
    return listVersionPage(query, this.seek(state, true), async (key, after, limit) => {
      const current = state.objects.get(key);
      if (!current) return [];
      const all = [current, ...(state.older.get(key) ?? [])];
      const from = after === undefined ? 0 : all.findIndex((v) => v.versionId === after) + 1;
      if (from === 0 && after !== undefined) return [];
      return all.slice(from, from + limit).map((v) => versionEntry(copy(v), v === current));
    });
  }

  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    return [...this.buckets.values()]
      .map((state) => ({ bucket: state.record.name, objects: state.count, bytes: state.bytes }))
      .sort((a, b) => compareKeys(a.bucket, b.bucket));
  }

  async openUploadCount(): Promise<number> {
    return this.uploads.openCount();
  }

  async isStorageIdReferenced(storageId: string): Promise<boolean> {
    for (const state of this.buckets.values()) {
      for (const o of state.objects.values()) if (o.storageId === storageId) return true;
      for (const versions of state.older.values()) if (versions.some((v) => v.storageId === storageId)) return true;
    }
    return this.uploads.referencesStorage(storageId);
  }

  async createUpload(upload: UploadRecord, events?: EngineEvent[]): Promise<void> {
    if (!this.buckets.has(upload.bucket)) throw noSuchBucket(upload.bucket);
    this.uploads.create(upload);
    this.outbox.append(events);
  }

  async getUpload(uploadId: string): Promise<UploadRecord | null> {
    return this.uploads.get(uploadId);
  }

  async listUploads(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return this.uploads.list(bucket, prefix, after, limit);
  }

  async uploadsInitiatedBefore(before: number): Promise<UploadRecord[]> {
    return this.uploads.initiatedBefore(before);
  }

  async putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    const previous = this.uploads.putPart(part);
    this.outbox.append(events);
    return previous;
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    return this.uploads.listParts(uploadId, after, max);
  }

  async completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<CompletedUpload> {
    const upload = this.uploads.inProgress(uploadId);
    const write = this.writeObject(object, condition);
    upload.completedEtag = object.etag;
    this.outbox.append(events);
    return write;
  }

  async deleteUpload(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return this.changed(this.uploads.delete(uploadId), events);
  }

  async deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    this.uploads.deleteParts(uploadId, partNumbers);
  }

  async uploadsWithParts(limit: number): Promise<string[]> {
    return this.uploads.withParts(limit);
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

  /** The state now, by reference (see MemoryState); synchronous, so no change lands half-way. */
  capture(): MemoryState {
    const objects: ObjectRecord[] = [];
    const buckets = [...this.buckets.values()].sort((a, b) => compareKeys(a.record.name, b.record.name));
    for (const state of buckets) {
      for (const key of state.keys) {
        objects.push(state.objects.get(key)!);
        for (const v of state.older.get(key) ?? []) objects.push(v);
      }
    }
    const records = [...this.records].flatMap(([kind, byId]) => [...byId].map(([id, value]) => ({ kind, id, value })));
    return { credentials: [...this.credentials.values()], records, buckets: buckets.map((b) => b.record), objects, ...this.uploads.capture(), ...this.outbox.capture() };
  }

  /** Loads one record of a captured state, in the capture's order (records are taken, not copied). */
  load(kind: "credential", record: Credential): void;
  load(kind: "record", record: { kind: RecordKind; id: string; value: string }): void;
  load(kind: "bucket", record: BucketRecord): void;
  load(kind: "object", record: ObjectRecord): void;
  load(kind: "upload", record: UploadRecord): void;
  load(kind: "part", record: PartRecord): void;
  load(kind: "event", record: StoredEvent): void;
  load(kind: string, record: unknown): void {
    switch (kind) {
      case "credential": {
        const c = record as Credential;
        this.credentials.set(c.accessKey, c);
        return;
      }
      case "record": {
        const r = record as { kind: RecordKind; id: string; value: string };
        void this.putRecord(r.kind, r.id, r.value, this.records.get(r.kind)?.get(r.id) ?? null);
        return;
      }
      case "bucket": {
        const b = record as BucketRecord;
        this.buckets.set(b.name, { record: b, keys: [], objects: new Map(), older: new Map(), count: 0, bytes: 0 });
        return;
      }
      case "object": {
        const o = this.shared(record as ObjectRecord);
        const state = this.buckets.get(o.bucket);
        if (!state) throw new Error(`snapshot: object ${o.key} of a bucket ${o.bucket} not loaded before it`);
        if (state.keys.at(-1) !== o.key) {
          state.keys.push(o.key);
          state.objects.set(o.key, o);
        } else {
          const older = state.older.get(o.key);
          if (older) older.push(o);
          else state.older.set(o.key, [o]);
        }
        this.count(state, o, 1);
        return;
      }
      case "upload":
        return this.uploads.loadUpload(record as UploadRecord);
      case "part":
        return this.uploads.loadPart(record as PartRecord);
      case "event":
        return this.outbox.load(record as StoredEvent);
    }
  }

  /** After the last record of a captured state: the outbox's seq goes on from where it was. */
  loadSeq(seq: number): void {
    this.outbox.load(undefined, seq);
  }
}

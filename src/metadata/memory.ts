// In-memory metadata engine: for tests and throwaway servers. Per bucket, a key-sorted array (UTF-8
// order) beside a map, so listing seeks by binary search like the SQLite engine's index.
import { bucketNotEmpty, noSuchBucket, S3Error } from "../errors.ts";
import { checkCondition } from "./condition.ts";
import { compareKeys, listPage } from "./listing.ts";
import type {
  Acl, BucketRecord, CompletedUpload, Credential, ListEntry, ListPage, ListQuery, MetadataStore, ObjectRecord, PartPage,
  PartRecord, UploadRecord, WriteCondition,
} from "./store.ts";

interface BucketState {
  record: BucketRecord;
  keys: string[];
  objects: Map<string, ObjectRecord>;
  /** Sum of the objects' sizes. */
  bytes: number;
}

/** Index of the first key >= `key` (or > `key` when not inclusive). */
function lowerBound(keys: string[], key: string, inclusive: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Records are copied in and out so callers can never mutate the store's state.
const copy = <T>(value: T): T => structuredClone(value);

export class MemoryMetadataStore implements MetadataStore {
  readonly engine = "memory";
  private readonly credentials = new Map<string, Credential>();
  private readonly buckets = new Map<string, BucketState>();
  private readonly uploads = new Map<string, { record: UploadRecord; parts: Map<number, PartRecord> }>();

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}

  async putCredential(c: Credential): Promise<void> {
    this.credentials.set(c.accessKey, copy(c));
  }

  async getCredential(accessKey: string): Promise<Credential | null> {
    const c = this.credentials.get(accessKey);
    return c ? copy(c) : null;
  }

  async listCredentials(): Promise<Credential[]> {
    return [...this.credentials.values()].sort((a, b) => compareKeys(a.accessKey, b.accessKey)).map(copy);
  }

  async deleteCredential(accessKey: string): Promise<boolean> {
    return this.credentials.delete(accessKey);
  }

  async createBucket(b: BucketRecord): Promise<boolean> {
    if (this.buckets.has(b.name)) return false;
    this.buckets.set(b.name, { record: copy(b), keys: [], objects: new Map(), bytes: 0 });
    return true;
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    const state = this.buckets.get(name);
    return state ? copy(state.record) : null;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    return [...this.buckets.values()].map((s) => copy(s.record)).sort((a, b) => compareKeys(a.name, b.name));
  }

  async deleteBucket(name: string): Promise<PartRecord[] | null> {
    const state = this.buckets.get(name);
    if (!state) return null;
    if (state.objects.size > 0) throw bucketNotEmpty(name);
    this.buckets.delete(name);
    const parts: PartRecord[] = [];
    for (const [id, upload] of this.uploads) {
      if (upload.record.bucket === name) parts.push(...(await this.deleteUpload(id))!);
    }
    return parts;
  }

  async setBucketAcl(name: string, acl: Acl): Promise<boolean> {
    const state = this.buckets.get(name);
    if (!state) return false;
    state.record.acl = copy(acl);
    return true;
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | null> {
    const o = this.buckets.get(bucket)?.objects.get(key);
    return o ? copy(o) : null;
  }

  async putObject(r: ObjectRecord, condition?: WriteCondition): Promise<ObjectRecord | null> {
    return this.writeObject(r, condition);
  }

  private writeObject(r: ObjectRecord, condition?: WriteCondition): ObjectRecord | null {
    const state = this.buckets.get(r.bucket);
    if (!state) throw noSuchBucket(r.bucket);
    const previous = state.objects.get(r.key) ?? null;
    checkCondition(r.key, previous, condition);
    if (!previous) state.keys.splice(lowerBound(state.keys, r.key, true), 0, r.key);
    state.objects.set(r.key, copy(r));
    state.bytes += r.size - (previous?.size ?? 0);
    return previous;
  }

  async deleteObject(bucket: string, key: string, condition?: WriteCondition): Promise<ObjectRecord | null> {
    const state = this.buckets.get(bucket);
    const previous = state?.objects.get(key) ?? null;
    checkCondition(key, previous, condition);
    if (!state || !previous) return null;
    state.objects.delete(key);
    state.keys.splice(lowerBound(state.keys, key, true), 1);
    state.bytes -= previous.size;
    return previous;
  }

  async setObjectAcl(bucket: string, key: string, acl: Acl): Promise<boolean> {
    const o = this.buckets.get(bucket)?.objects.get(key);
    if (!o) return false;
    o.acl = copy(acl);
    return true;
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    const state = this.buckets.get(bucket);
    if (!state) throw noSuchBucket(bucket);
    return listPage(query, function* (from, inclusive): Generator<ListEntry> {
      for (let i = lowerBound(state.keys, from, inclusive); i < state.keys.length; i++) {
        const o = state.objects.get(state.keys[i]!)!;
        yield { key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, storageClass: o.storageClass, owner: { ...o.owner } };
      }
    });
  }

  async bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    return [...this.buckets.values()]
      .map((state) => ({ bucket: state.record.name, objects: state.objects.size, bytes: state.bytes }))
      .sort((a, b) => compareKeys(a.bucket, b.bucket));
  }

  async openUploadCount(): Promise<number> {
    return [...this.uploads.values()].filter((u) => u.record.completedEtag === undefined).length;
  }

  async isStorageIdReferenced(storageId: string): Promise<boolean> {
    for (const state of this.buckets.values()) for (const o of state.objects.values()) if (o.storageId === storageId) return true;
    for (const u of this.uploads.values()) for (const p of u.parts.values()) if (p.storageId === storageId) return true;
    return false;
  }

  async createUpload(upload: UploadRecord): Promise<void> {
    if (!this.buckets.has(upload.bucket)) throw noSuchBucket(upload.bucket);
    this.uploads.set(upload.uploadId, { record: copy(upload), parts: new Map() });
  }

  async getUpload(uploadId: string): Promise<UploadRecord | null> {
    const u = this.uploads.get(uploadId);
    return u ? copy(u.record) : null;
  }

  async listUploads(bucket: string, prefix: string): Promise<UploadRecord[]> {
    return [...this.uploads.values()]
      .map((u) => u.record)
      .filter((u) => u.bucket === bucket && u.key.startsWith(prefix) && u.completedEtag === undefined)
      .sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.uploadId, b.uploadId))
      .map(copy);
  }

  async uploadsInitiatedBefore(before: number): Promise<UploadRecord[]> {
    return [...this.uploads.values()].map((u) => u.record).filter((u) => u.initiated < before).sort((a, b) => a.initiated - b.initiated).map(copy);
  }

  private inProgress(uploadId: string) {
    const u = this.uploads.get(uploadId);
    if (!u || u.record.completedEtag !== undefined) throw new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });
    return u;
  }

  async putPart(part: PartRecord): Promise<PartRecord | null> {
    const u = this.inProgress(part.uploadId);
    const previous = u.parts.get(part.partNumber) ?? null;
    u.parts.set(part.partNumber, copy(part));
    return previous;
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    const all = [...(this.uploads.get(uploadId)?.parts.values() ?? [])].filter((p) => p.partNumber > after).sort((a, b) => a.partNumber - b.partNumber);
    const parts = all.slice(0, max).map(copy);
    const last = parts.at(-1);
    return all.length > max && last ? { parts, isTruncated: true, nextPartNumberMarker: last.partNumber } : { parts, isTruncated: false };
  }

  async completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition): Promise<CompletedUpload> {
    const u = this.inProgress(uploadId);
    const previous = this.writeObject(object, condition);
    const parts = [...u.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
    u.parts.clear();
    u.record.completedEtag = object.etag;
    return { previous, parts };
  }

  async deleteUpload(uploadId: string): Promise<PartRecord[] | null> {
    const u = this.uploads.get(uploadId);
    if (!u) return null;
    this.uploads.delete(uploadId);
    return [...u.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
  }
}

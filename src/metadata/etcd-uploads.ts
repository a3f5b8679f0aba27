// Multipart uploads of the etcd engine: an upload is two keys with the same record, by id (u/, for
// getUpload and the reaper) and by bucket (w/<bucket>/, for listing), written together; parts under
// p/<upload id>/ by zero-padded number. Completing or aborting puts an x/<upload id> marker in the same
// transaction, so the parts left behind are found again after a crash (uploadsWithParts). The count of
// uploads in progress is kept in the statistics shards, like the object counts.
import { noSuchBucket, S3Error } from "../errors.ts";
import type { Compare, EtcdClient, Op } from "./etcd-client.ts";
import { anyShard, commit, noStats, optimistic, parse, unchanged, type Keys, type Stats, type WriteExtra } from "./etcd-keys.ts";
import type { EtcdOutbox } from "./etcd-outbox.ts";
import type { EngineEvent } from "./events.ts";
import { uploadsPage } from "./listing.ts";
import type { CompletedUpload, ObjectRecord, ObjectWrite, PartPage, PartRecord, UploadRecord, WriteCondition } from "./store.ts";

const noSuchUpload = (uploadId: string) => new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });
type ObjectWriter = (r: ObjectRecord, condition: WriteCondition | undefined, extra: WriteExtra) => Promise<ObjectWrite>;

export class EtcdUploads {
  constructor(private readonly etcd: EtcdClient, private readonly k: Keys, private readonly outbox: EtcdOutbox, private readonly writeObject: ObjectWriter) {}

  /** Both keys of an upload as `u` now is, and its session's storage id while it is in progress. */
  private puts(u: UploadRecord): Op[] {
    const value = JSON.stringify(u);
    const ops: Op[] = [{ put: { key: this.k.upload(u.uploadId), value } }, { put: { key: this.k.uploadOf(u.bucket, u.uploadId), value } }];
    if (u.session) {
      ops.push(u.completedEtag === undefined ? { put: { key: this.k.storageId(u.session.storageId), value: "s" } } : { del: { key: this.k.storageId(u.session.storageId) } });
    }
    return ops;
  }

  /** Adds `d` to the uploads count in a statistics shard (read in the same step). */
  private async uploadCount(bucket: string, d: number): Promise<{ compares: Compare[]; ops: Op[] }> {
    const statKey = this.k.stat(bucket, anyShard());
    const kv = await this.etcd.get(statKey);
    const s = parse<Stats>(kv) ?? noStats();
    s.uploads += d;
    return { compares: [unchanged(statKey, kv)], ops: [{ put: { key: statKey, value: JSON.stringify(s) } }] };
  }

  async create(u: UploadRecord, events?: EngineEvent[]): Promise<void> {
    await optimistic(async () => {
      const bucket = await this.etcd.get(this.k.bucket(u.bucket));
      if (!bucket) throw noSuchBucket(u.bucket);
      const count = await this.uploadCount(u.bucket, 1);
      await commit(this.etcd, [{ key: this.k.bucket(u.bucket), target: "CREATE", revision: bucket.createRevision }, ...count.compares],
        [...this.puts(u), ...count.ops, ...this.outbox.ops(events)]);
    });
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    return parse<UploadRecord>(await this.etcd.get(this.k.upload(uploadId)));
  }

  async ofBucket(bucket: string): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    for await (const kv of this.etcd.all(this.k.uploadsOf(bucket))) out.push(JSON.parse(kv.value) as UploadRecord);
    return out;
  }

  /** In-progress uploads of a bucket by key then id: the bucket's uploads are read and sorted here. */
  async list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return uploadsPage(await this.ofBucket(bucket), prefix, after, limit);
  }

  async initiatedBefore(before: number): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    for await (const kv of this.etcd.all(this.k.uploads)) {
      const u = JSON.parse(kv.value) as UploadRecord;
      if (u.initiated < before) out.push(u);
    }
    return out.sort((a, b) => a.initiated - b.initiated);
  }

  async putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    return optimistic(async () => {
      const partKey = this.k.part(part.uploadId, part.partNumber);
      const [upload, before] = await this.etcd.getMany([this.k.upload(part.uploadId), partKey]);
      const u = parse<UploadRecord>(upload);
      if (!upload || !u || u.completedEtag !== undefined) throw noSuchUpload(part.uploadId);
      const previous = parse<PartRecord>(before);
      const ops: Op[] = [{ put: { key: partKey, value: JSON.stringify(part) } }];
      if (part.storageId) ops.push({ put: { key: this.k.storageId(part.storageId), value: "p" } });
      if (previous?.storageId && previous.storageId !== part.storageId) ops.push({ del: { key: this.k.storageId(previous.storageId) } });
      await commit(this.etcd, [unchanged(upload.key, upload), unchanged(partKey, before)], [...ops, ...this.outbox.ops(events)]);
      return previous;
    });
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    const parts: PartRecord[] = [];
    let from = this.k.part(uploadId, after);
    while (parts.length <= max) {
      const page = await this.etcd.range(this.k.parts(uploadId), { from, after: true, limit: max + 1 - parts.length });
      parts.push(...page.kvs.map((kv) => JSON.parse(kv.value) as PartRecord));
      if (!page.more || page.kvs.length === 0) break;
      from = page.kvs[page.kvs.length - 1]!.key;
    }
    if (parts.length <= max) return { parts, isTruncated: false };
    const kept = parts.slice(0, max);
    return { parts: kept, isTruncated: true, nextPartNumberMarker: kept.at(-1)!.partNumber };
  }

  async complete(uploadId: string, object: ObjectRecord, condition: WriteCondition | undefined, events?: EngineEvent[]): Promise<CompletedUpload> {
    return optimistic(async () => {
      const kv = await this.etcd.get(this.k.upload(uploadId));
      const upload = parse<UploadRecord>(kv);
      if (!kv || !upload || upload.completedEtag !== undefined) throw noSuchUpload(uploadId);
      const done = { ...upload, completedEtag: object.etag };
      // The uploads count goes down in the shard the object write adds to (any shard: they are summed).
      return this.writeObject(object, condition, {
        events, uploads: -1,
        compares: [unchanged(kv.key, kv)],
        ops: [...this.puts(done), { put: { key: this.k.cleanup(uploadId), value: uploadId } }],
      });
    });
  }

  async delete(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const kv = await this.etcd.get(this.k.upload(uploadId));
      const upload = parse<UploadRecord>(kv);
      if (!kv || !upload) return false;
      const open = upload.completedEtag === undefined;
      const count = open ? await this.uploadCount(upload.bucket, -1) : { compares: [], ops: [] };
      const ops: Op[] = [
        { del: { key: kv.key } }, { del: { key: this.k.uploadOf(upload.bucket, uploadId) } }, { put: { key: this.k.cleanup(uploadId), value: uploadId } },
      ];
      if (upload.session) ops.push({ del: { key: this.k.storageId(upload.session.storageId) } });
      await commit(this.etcd, [unchanged(kv.key, kv), ...count.compares], [...ops, ...count.ops, ...this.outbox.ops(events)]);
      return true;
    });
  }

  async deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    for (let i = 0; i < partNumbers.length; i += 40) {
      const keys = partNumbers.slice(i, i + 40).map((n) => this.k.part(uploadId, n));
      const parts = await this.etcd.getMany(keys);
      const ops: Op[] = [];
      for (const [j, kv] of parts.entries()) {
        if (!kv) continue;
        ops.push({ del: { key: keys[j]! } });
        const p = JSON.parse(kv.value) as PartRecord;
        if (p.storageId) ops.push({ del: { key: this.k.storageId(p.storageId) } });
      }
      if (ops.length > 0) await this.etcd.txn([], ops);
    }
  }

  /** Uploads completed or gone whose parts remain; a marker whose parts are all gone is dropped. */
  async withParts(limit: number): Promise<string[]> {
    const out: string[] = [];
    for await (const marker of this.etcd.all(this.k.cleanups)) {
      const id = marker.value;
      const { kvs } = await this.etcd.range(this.k.parts(id), { limit: 1, keysOnly: true });
      if (kvs.length > 0) out.push(id);
      else await this.etcd.txn([], [{ del: { key: marker.key } }]);
      if (out.length === limit) break;
    }
    return out;
  }
}

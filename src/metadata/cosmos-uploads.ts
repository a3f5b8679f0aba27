// Multipart uploads of the cosmos engine, in their bucket's partition: "u:<id>" holds the record,
// "uo:<id>" exists while the upload is in progress (the guard parts and Complete read in their batch),
// parts are "p:<id>:<00001>", and "c:<id>" marks an upload completed or aborted whose parts may remain.
import type { OperationInput } from "@azure/cosmos";
import { S3Error } from "../errors.ts";
import { BucketClosed, pad5, rec, Refused, retrying, type CosmosDb, type Doc } from "./cosmos-db.ts";
import type { CosmosOutbox } from "./cosmos-outbox.ts";
import type { CosmosMetadataStore } from "./cosmos.ts";
import type { EngineEvent } from "./events.ts";
import { uploadsPage } from "./listing.ts";
import type { CompletedUpload, ObjectRecord, PartPage, PartRecord, UploadRecord, WriteCondition } from "./store.ts";

const noSuchUpload = (uploadId: string) => new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });
const partId = (uploadId: string, n: number) => `p:${uploadId}:${pad5(n)}`;

const uploadDoc = (u: UploadRecord): Doc => ({
  id: `u:${u.uploadId}`, pk: u.bucket, t: "u", uid: u.uploadId, initiated: u.initiated, done: u.completedEtag !== undefined, r: JSON.stringify(u),
});
const openDoc = (u: UploadRecord): Doc => ({ id: `uo:${u.uploadId}`, pk: u.bucket, t: "uo", uid: u.uploadId, sid: u.session?.storageId ?? "" });
const cleanupDoc = (bucket: string, uploadId: string): Doc => ({ id: `c:${uploadId}`, pk: bucket, t: "c", uid: uploadId });

export class CosmosUploads {
  /** Upload id → its bucket (never changes), so parts find their partition without a query. */
  private readonly bucketOfUpload = new Map<string, string>();

  constructor(private readonly db: CosmosDb, private readonly outbox: CosmosOutbox, private readonly store: CosmosMetadataStore) {}

  /** The bucket (partition) an upload lives in, in progress, completed or aborted; undefined if unknown. */
  private async bucketOf(uploadId: string): Promise<string | undefined> {
    const known = this.bucketOfUpload.get(uploadId);
    if (known !== undefined) return known;
    const [doc] = await this.db.query("SELECT c.pk FROM c WHERE (c.t = 'u' OR c.t = 'c') AND c.uid = @id", { "@id": uploadId });
    const bucket = (doc as { pk?: string } | undefined)?.pk;
    if (bucket !== undefined) {
      if (this.bucketOfUpload.size > 10_000) this.bucketOfUpload.clear();
      this.bucketOfUpload.set(uploadId, bucket);
    }
    return bucket;
  }

  async create(u: UploadRecord, events?: EngineEvent[]): Promise<void> {
    const op = this.store.op;
    await this.store.inBucket(u.bucket, async () => {
      try {
        await this.db.batch(u.bucket, [op.read("open"), op.create(uploadDoc(u)), op.create(openDoc(u)), ...this.outbox.ops(u.bucket, events)]);
      } catch (err) {
        // The bucket closed: inBucket waits or answers NoSuchBucket.
        if (err instanceof Refused && err.index === 0) throw new BucketClosed();
        throw err;
      }
    });
    this.bucketOfUpload.set(u.uploadId, u.bucket);
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    const bucket = await this.bucketOf(uploadId);
    return bucket === undefined ? null : rec<UploadRecord>(await this.db.read(bucket, `u:${uploadId}`));
  }

  async ofBucket(bucket: string): Promise<UploadRecord[]> {
    return (await this.db.query("SELECT * FROM c WHERE c.t = 'u'", {}, bucket)).map((d) => rec<UploadRecord>(d)!);
  }

  /** In-progress uploads of a bucket by key then id: the bucket's uploads are read and sorted here. */
  async list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return uploadsPage(await this.ofBucket(bucket), prefix, after, limit);
  }

  async initiatedBefore(before: number): Promise<UploadRecord[]> {
    const docs = await this.db.query("SELECT * FROM c WHERE c.t = 'u' AND c.initiated < @before", { "@before": before });
    return docs.map((d) => rec<UploadRecord>(d)!).sort((a, b) => a.initiated - b.initiated);
  }

  async openCount(): Promise<number> {
    return (await this.db.query("SELECT c.id FROM c WHERE c.t = 'uo'", {})).length;
  }

  async putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    const bucket = await this.bucketOf(part.uploadId);
    if (bucket === undefined) throw noSuchUpload(part.uploadId);
    const op = this.store.op;
    const id = partId(part.uploadId, part.partNumber);
    const previous = rec<PartRecord>(await this.db.read(bucket, id));
    try {
      await this.db.batch(bucket, [
        op.read(`uo:${part.uploadId}`),
        op.upsert({ id, pk: bucket, t: "p", uid: part.uploadId, num: part.partNumber, sid: part.storageId, r: JSON.stringify(part) }),
        ...this.outbox.ops(bucket, events),
      ]);
    } catch (err) {
      if (err instanceof Refused && err.index === 0) throw noSuchUpload(part.uploadId);
      throw err;
    }
    return previous;
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    const bucket = await this.bucketOf(uploadId);
    if (bucket === undefined) return { parts: [], isTruncated: false };
    const docs = await this.db.query("SELECT TOP @n * FROM c WHERE c.t = 'p' AND c.uid = @id AND c.num > @after ORDER BY c.num",
      { "@id": uploadId, "@after": after, "@n": max + 1 }, bucket);
    const parts = docs.map((d) => rec<PartRecord>(d)!);
    if (parts.length <= max) return { parts, isTruncated: false };
    const kept = parts.slice(0, max);
    return { parts: kept, isTruncated: true, nextPartNumberMarker: kept.at(-1)!.partNumber };
  }

  async complete(uploadId: string, object: ObjectRecord, condition: WriteCondition | undefined, events?: EngineEvent[]): Promise<CompletedUpload> {
    const op = this.store.op;
    return this.store.inBucket(object.bucket, async () => {
      const upload = await this.get(uploadId);
      if (!upload || upload.completedEtag !== undefined) throw noSuchUpload(uploadId);
      return this.store.objectWrite(object, condition, {
        events,
        reads: [op.read(`uo:${uploadId}`)],
        writes: [op.delete(`uo:${uploadId}`), op.upsert(uploadDoc({ ...upload, completedEtag: object.etag })), op.upsert(cleanupDoc(upload.bucket, uploadId))],
        onRead: () => noSuchUpload(uploadId),
      });
    });
  }

  async delete(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    const op = this.store.op;
    return retrying(async () => {
      const bucket = await this.bucketOf(uploadId);
      if (bucket === undefined) return false;
      const upload = rec<UploadRecord>(await this.db.read(bucket, `u:${uploadId}`));
      if (!upload) return false;
      // In progress: its "uo" read then removed in the same batch; completed: the record's own delete guards.
      const ops: OperationInput[] = upload.completedEtag === undefined
        ? [op.read(`uo:${uploadId}`), op.delete(`uo:${uploadId}`), op.delete(`u:${uploadId}`)]
        : [op.delete(`u:${uploadId}`)];
      await this.db.batch(bucket, [...ops, op.upsert(cleanupDoc(bucket, uploadId)), ...this.outbox.ops(bucket, events)]);
      return true;
    });
  }

  async deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    const bucket = await this.bucketOf(uploadId);
    if (bucket !== undefined) await this.db.deleteAll(bucket, partNumbers.map((n) => partId(uploadId, n)));
  }

  /** Uploads completed or gone whose parts remain; a marker whose parts are all gone is dropped. */
  async withParts(limit: number): Promise<string[]> {
    const out: string[] = [];
    for (const marker of await this.db.query("SELECT c.id, c.pk, c.uid FROM c WHERE c.t = 'c'", {})) {
      const uid = String(marker.uid);
      const parts = await this.db.query("SELECT TOP 1 c.id FROM c WHERE c.t = 'p' AND c.uid = @id", { "@id": uid }, marker.pk);
      if (parts.length > 0) out.push(uid);
      else await this.db.deleteAll(marker.pk, [marker.id]);
      if (out.length === limit) break;
    }
    return out;
  }
}

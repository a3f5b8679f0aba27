// Multipart uploads of the dynamodb engine, and the table's partition names. An upload is two items
// with the same record: by id (`upload`, for getUpload and the reaper) and by bucket (`uploads#b`,
// for listing), written together. Parts live in `part#<uploadId>` by zero-padded number. Completing
// or aborting an upload puts a `cleanup` marker in the same transaction, so the parts left behind are
// found again after a crash (uploadsWithParts).
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { noSuchBucket, S3Error } from "../errors.ts";
import type { DynamoOutbox } from "./dynamodb-outbox.ts";
import { Cancelled, key, N, optimistic, record, S, sameRevision, type Item, type Table, writer } from "./dynamodb-table.ts";
import type { EngineEvent } from "./events.ts";
import { uploadsPage } from "./listing.ts";
import type { CompletedUpload, ObjectRecord, ObjectWrite, PartPage, PartRecord, UploadRecord, WriteCondition } from "./store.ts";

/** Partition keys. Bucket names hold no "#", so `ver#<bucket>#<key>` is unambiguous. */
export const P = {
  credential: "cred",
  bucket: "bucket",
  current: (bucket: string) => `cur#${bucket}`,
  versions: (bucket: string, key: string) => `ver#${bucket}#${key}`,
  upload: "upload",
  uploadsOf: (bucket: string) => `uploads#${bucket}`,
  parts: (uploadId: string) => `part#${uploadId}`,
  cleanup: "cleanup",
  records: (kind: string) => `rec#${kind}`,
};
const partKey = (n: number) => String(n).padStart(5, "0");
const noSuchUpload = (uploadId: string) => new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });

type ObjectWriter = (r: ObjectRecord, condition: WriteCondition | undefined, extra: { events?: EngineEvent[]; items?: TransactWriteItem[]; uploads?: number }) => Promise<ObjectWrite>;

export class DynamoUploads {
  private readonly w: ReturnType<typeof writer>;

  constructor(private readonly table: Table, private readonly outbox: DynamoOutbox, private readonly writeObject: ObjectWriter) {
    this.w = writer(table.name);
  }

  /** Both items of an upload, as `u` now is; an upload in progress names its session's storage id (`sid`). */
  private puts(u: UploadRecord, condition?: { condition: string; values: Record<string, { S: string }> }): TransactWriteItem[] {
    const extra: Item = { ...(u.session && u.completedEtag === undefined ? { sid: S(u.session.storageId) } : {}), ...(u.completedEtag !== undefined ? { done: N(1) } : {}) };
    return [
      this.w.put(P.upload, u.uploadId, u, { extra, ...(condition ?? {}) }),
      this.w.put(P.uploadsOf(u.bucket), u.uploadId, u, { extra }),
    ];
  }

  async create(u: UploadRecord, events?: EngineEvent[]): Promise<void> {
    const items = [
      this.w.update(P.bucket, u.bucket, "ADD uploads :one", { ":one": N(1) }, "attribute_exists(pk)"),
      ...this.puts(u),
      ...this.outbox.items(events),
    ];
    try {
      await this.table.transact(items);
    } catch (err) {
      if (err instanceof Cancelled && err.failed.includes(0)) throw noSuchBucket(u.bucket);
      throw err;
    }
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    return record<UploadRecord>(await this.table.get(P.upload, uploadId));
  }

  async ofBucket(bucket: string): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    for await (const item of this.table.all(P.uploadsOf(bucket))) out.push(record<UploadRecord>(item)!);
    return out;
  }

  /** In-progress uploads of a bucket by key then id: the bucket's uploads are read and sorted here. */
  async list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return uploadsPage(await this.ofBucket(bucket), prefix, after, limit);
  }

  async initiatedBefore(before: number): Promise<UploadRecord[]> {
    const out: UploadRecord[] = [];
    for await (const item of this.table.all(P.upload)) {
      const u = record<UploadRecord>(item)!;
      if (u.initiated < before) out.push(u);
    }
    return out.sort((a, b) => a.initiated - b.initiated);
  }

  async putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    return optimistic(async () => {
      const before = await this.table.get(P.parts(part.uploadId), partKey(part.partNumber));
      const rev = sameRevision(before);
      try {
        await this.table.transact([
          this.w.check(P.upload, part.uploadId, "attribute_exists(pk) AND attribute_not_exists(done)"),
          this.w.put(P.parts(part.uploadId), partKey(part.partNumber), part, { extra: part.storageId ? { sid: S(part.storageId) } : {}, ...rev }),
          ...this.outbox.items(events),
        ]);
      } catch (err) {
        if (err instanceof Cancelled && err.failed.includes(0)) throw noSuchUpload(part.uploadId);
        throw err;
      }
      return record<PartRecord>(before);
    });
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    const parts: PartRecord[] = [];
    let start: Item | undefined;
    while (parts.length <= max) {
      const page = await this.table.query(P.parts(uploadId), { from: partKey(after), inclusive: false, limit: max + 1 - parts.length, ...(start ? { start } : {}) });
      parts.push(...page.items.map((i) => record<PartRecord>(i)!));
      if (!(start = page.next)) break;
    }
    if (parts.length <= max) return { parts, isTruncated: false };
    const kept = parts.slice(0, max);
    return { parts: kept, isTruncated: true, nextPartNumberMarker: kept.at(-1)!.partNumber };
  }

  async complete(uploadId: string, object: ObjectRecord, condition: WriteCondition | undefined, events?: EngineEvent[]): Promise<CompletedUpload> {
    return optimistic(async () => {
      const item = await this.table.get(P.upload, uploadId);
      const upload = record<UploadRecord>(item);
      if (!item || !upload || upload.completedEtag !== undefined) throw noSuchUpload(uploadId);
      const done = { ...upload, completedEtag: object.etag };
      const rev = sameRevision(item);
      return this.writeObject(object, condition, {
        events, uploads: -1,
        items: [...this.puts(done, { condition: `${rev.condition} AND attribute_not_exists(done)`, values: rev.values as Record<string, { S: string }> }), this.w.put(P.cleanup, uploadId, uploadId)],
      });
    });
  }

  async delete(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return optimistic(async () => {
      const item = await this.table.get(P.upload, uploadId);
      const upload = record<UploadRecord>(item);
      if (!item || !upload) return false;
      const open = upload.completedEtag === undefined;
      await this.table.transact([
        this.w.delete(P.upload, uploadId, "rev = :rev", { ":rev": item.rev! }),
        this.w.delete(P.uploadsOf(upload.bucket), uploadId),
        this.w.put(P.cleanup, uploadId, uploadId),
        ...(open ? [this.w.update(P.bucket, upload.bucket, "ADD uploads :minus", { ":minus": N(-1) }, "attribute_exists(pk)")] : []),
        ...this.outbox.items(events),
      ]);
      return true;
    });
  }

  async deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    await this.table.deleteAll(partNumbers.map((n) => key(P.parts(uploadId), partKey(n))));
  }

  /** Uploads completed or gone whose parts remain; a marker whose parts are all gone is dropped. */
  async withParts(limit: number): Promise<string[]> {
    const out: string[] = [];
    for await (const marker of this.table.all(P.cleanup)) {
      const id = marker.sk!.S!;
      const { items } = await this.table.query(P.parts(id), { limit: 1 });
      if (items.length > 0) out.push(id);
      else await this.table.deleteAll([key(P.cleanup, id)]);
      if (out.length === limit) break;
    }
    return out;
  }
}


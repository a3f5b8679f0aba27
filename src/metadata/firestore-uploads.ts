// Multipart uploads of the firestore engine: C_uploads/{uploadId} (fields bucket, done, initiated,
// sid while in progress with a storage session) and its parts in C_parts/{00001}. Completing or
// aborting puts a C_cleanup document in the same transaction, so parts left behind are found again.
import type { Transaction } from "@google-cloud/firestore";
import { S3Error } from "../errors.ts";
import type { EngineEvent } from "./events.ts";
import { partId, rec, type FsDb } from "./firestore-db.ts";
import type { FirestoreOutbox } from "./firestore-outbox.ts";
import { uploadsPage } from "./listing.ts";
import type { CompletedUpload, ObjectRecord, ObjectWrite, PartPage, PartRecord, UploadRecord, WriteCondition } from "./store.ts";

const noSuchUpload = (uploadId: string) => new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });

/** What the uploads need of the store: writes that guard their bucket, and an object write's reads and writes. */
interface ObjectWrites {
  inBucket<T>(body: (tx: Transaction, guard: () => Promise<void>) => Promise<T>, bucket: string): Promise<T>;
  prepareWrite(tx: Transaction, r: ObjectRecord, condition: WriteCondition | undefined): Promise<{ result: ObjectWrite; commit: () => void }>;
}

const uploadDoc = (u: UploadRecord) => ({
  r: JSON.stringify(u), bucket: u.bucket, initiated: u.initiated, done: u.completedEtag !== undefined,
  sid: u.session && u.completedEtag === undefined ? u.session.storageId : "",
});

export class FirestoreUploads {
  constructor(private readonly fs: FsDb, private readonly outbox: FirestoreOutbox, private readonly objects: ObjectWrites) {}

  async create(u: UploadRecord, events?: EngineEvent[]): Promise<void> {
    await this.objects.inBucket(async (tx, guard) => {
      await guard();
      tx.set(this.fs.upload(u.uploadId), uploadDoc(u));
      this.outbox.write(tx, events);
    }, u.bucket);
  }

  async get(uploadId: string): Promise<UploadRecord | null> {
    return rec<UploadRecord>((await this.fs.call(() => this.fs.upload(uploadId).get())).data());
  }

  async ofBucket(bucket: string): Promise<UploadRecord[]> {
    const snap = await this.fs.call(() => this.fs.col("uploads").where("bucket", "==", bucket).get());
    return snap.docs.map((d) => rec<UploadRecord>(d.data())!);
  }

  /** In-progress uploads of a bucket by key then id: the bucket's uploads are read and sorted here. */
  async list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return uploadsPage(await this.ofBucket(bucket), prefix, after, limit);
  }

  async initiatedBefore(before: number): Promise<UploadRecord[]> {
    const snap = await this.fs.call(() => this.fs.col("uploads").where("initiated", "<", before).orderBy("initiated").get());
    return snap.docs.map((d) => rec<UploadRecord>(d.data())!);
  }

  async openCount(): Promise<number> {
    const snap = await this.fs.call(() => this.fs.col("uploads").where("done", "==", false).count().get());
    return snap.data().count;
  }

  /** The upload in progress, read in `tx`; NoSuchUpload if it is gone or completed. */
  private async inProgress(tx: Transaction, uploadId: string): Promise<UploadRecord> {
    const u = rec<UploadRecord>((await tx.get(this.fs.upload(uploadId))).data());
    if (!u || u.completedEtag !== undefined) throw noSuchUpload(uploadId);
    return u;
  }

  async putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    return this.fs.run(async (tx) => {
      await this.inProgress(tx, part.uploadId);
      const ref = this.fs.part(part.uploadId, part.partNumber);
      const previous = rec<PartRecord>((await tx.get(ref)).data());
      tx.set(ref, { r: JSON.stringify(part), sid: part.storageId });
      this.outbox.write(tx, events);
      return previous;
    });
  }

  async listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    const snap = await this.fs.call(() => this.fs.parts(uploadId).orderBy(this.fs.FieldPath.documentId()).startAfter(partId(after)).limit(max + 1).get());
    const parts = snap.docs.map((d) => rec<PartRecord>(d.data())!);
    if (parts.length <= max) return { parts, isTruncated: false };
    const kept = parts.slice(0, max);
    return { parts: kept, isTruncated: true, nextPartNumberMarker: kept.at(-1)!.partNumber };
  }

  async complete(uploadId: string, object: ObjectRecord, condition: WriteCondition | undefined, events?: EngineEvent[]): Promise<CompletedUpload> {
    return this.objects.inBucket(async (tx, guard) => {
      const upload = await this.inProgress(tx, uploadId);
      await guard();
      const write = await this.objects.prepareWrite(tx, object, condition);
      write.commit();
      tx.set(this.fs.upload(uploadId), uploadDoc({ ...upload, completedEtag: object.etag }));
      tx.set(this.fs.cleanup(uploadId), { at: Date.now() });
      this.outbox.write(tx, events);
      return write.result;
    }, object.bucket);
  }

  async delete(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.fs.upload(uploadId);
      if (!(await tx.get(ref)).exists) return false;
      tx.delete(ref);
      tx.set(this.fs.cleanup(uploadId), { at: Date.now() });
      this.outbox.write(tx, events);
      return true;
    });
  }

  async deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    for (let i = 0; i < partNumbers.length; i += 400) {
      const batch = this.fs.db.batch();
      for (const n of partNumbers.slice(i, i + 400)) batch.delete(this.fs.part(uploadId, n));
      await this.fs.call(() => batch.commit());
    }
  }

  /** Uploads completed or gone whose parts remain; a marker whose parts are all gone is dropped. */
  async withParts(limit: number): Promise<string[]> {
    const out: string[] = [];
    const markers = await this.fs.call(() => this.fs.col("cleanup").orderBy(this.fs.FieldPath.documentId()).get());
    for (const marker of markers.docs) {
      const parts = await this.fs.call(() => this.fs.parts(marker.id).limit(1).select().get());
      if (!parts.empty) out.push(marker.id);
      else await this.fs.call(() => marker.ref.delete());
      if (out.length === limit) break;
    }
    return out;
  }
}

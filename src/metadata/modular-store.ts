// The half of the metadata contract that the network engines (dynamodb, firestore, cosmos) keep in
// modules of their own — uploads and parts, and the outbox — forwarded here once for all of them.
import type { EngineEvent, StoredEvent } from "./events.ts";
import type { CompletedUpload, ObjectRecord, PartPage, PartRecord, UploadRecord, WriteCondition } from "./store.ts";

export interface UploadsModule {
  create(upload: UploadRecord, events?: EngineEvent[]): Promise<void>;
  get(uploadId: string): Promise<UploadRecord | null>;
  list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]>;
  initiatedBefore(before: number): Promise<UploadRecord[]>;
  putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null>;
  listParts(uploadId: string, after: number, max: number): Promise<PartPage>;
  complete(uploadId: string, object: ObjectRecord, condition: WriteCondition | undefined, events?: EngineEvent[]): Promise<CompletedUpload>;
  delete(uploadId: string, events?: EngineEvent[]): Promise<boolean>;
  deleteParts(uploadId: string, partNumbers: number[]): Promise<void>;
  withParts(limit: number): Promise<string[]>;
}

export interface OutboxModule {
  pending(limit: number): Promise<StoredEvent[]>;
  markDelivered(seq: number): Promise<void>;
  list(afterSeq: number, limit: number): Promise<StoredEvent[]>;
}

export abstract class ModularStore {
  protected abstract uploads: UploadsModule;
  protected abstract outbox: OutboxModule;

  createUpload(upload: UploadRecord, events?: EngineEvent[]): Promise<void> {
    return this.uploads.create(upload, events);
  }

  getUpload(uploadId: string): Promise<UploadRecord | null> {
    return this.uploads.get(uploadId);
  }

  listUploads(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return this.uploads.list(bucket, prefix, after, limit);
  }

  uploadsInitiatedBefore(before: number): Promise<UploadRecord[]> {
    return this.uploads.initiatedBefore(before);
  }

  putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    return this.uploads.putPart(part, events);
  }

  listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    return this.uploads.listParts(uploadId, after, max);
  }

  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<CompletedUpload> {
    return this.uploads.complete(uploadId, object, condition, events);
  }

  deleteUpload(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return this.uploads.delete(uploadId, events);
  }

  deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    return this.uploads.deleteParts(uploadId, partNumbers);
  }

  uploadsWithParts(limit: number): Promise<string[]> {
    return this.uploads.withParts(limit);
  }

  pendingEvents(limit: number): Promise<StoredEvent[]> {
    return this.outbox.pending(limit);
  }

  markDelivered(seq: number): Promise<void> {
    return this.outbox.markDelivered(seq);
  }

  listEvents(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.outbox.list(afterSeq, limit);
  }
}

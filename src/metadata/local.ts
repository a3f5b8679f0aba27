// The local metadata engine: the in-memory engine's state, made durable by an append-only log of its
// changes (JSON lines, group-committed with fdatasync before a change is acknowledged) and compacted
// into snapshots (local-files.ts). Start-up loads the newest snapshot and replays the log after it.
// Reads are answered from memory; a change is applied in memory, then logged, in the same order, and
// answered once its line is on disk. A change that fails (a precondition, a missing bucket) changes
// nothing and logs nothing.
import type { Database } from "bun:sqlite";
import { accessSync, constants } from "node:fs";
import type { EngineEvent, StoredEvent } from "./events.ts";
import { lockDirectory, loadDirectory, openLog, writeSnapshot, type LogLine } from "./local-files.ts";
import { AppendLog } from "./local-log.ts";
import { MemoryMetadataStore } from "./memory.ts";
import type {
  BucketChange, BucketRecord, CompletedUpload, Credential, ListPage, ListQuery, MetadataStore, ObjectChange, ObjectRecord, ObjectWrite,
  PartPage, PartRecord, RecordKind, UploadRecord, VersionPage, VersionQuery, WriteCondition,
} from "./store.ts";

export interface LocalOptions {
  /** Compact once the log since the last snapshot has this many lines and more than the snapshot has records. */
  compactMinLines: number;
}

export class LocalMetadataStore implements MetadataStore {
  readonly engine = "local";
  private readonly memory = new MemoryMetadataStore();
  private lock: Database | undefined;
  private log!: AppendLog;
  private gen = 1;
  private snapshotRecords = 0;
  private compaction: Promise<void> | undefined;

  constructor(private readonly root: string, private readonly options: LocalOptions = { compactMinLines: 100_000 }) {}

  async init(): Promise<void> {
    this.lock = lockDirectory(this.root);
    try {
      const loaded = loadDirectory(this.root, this.memory);
      this.gen = loaded.gen;
      this.snapshotRecords = loaded.snapshotRecords;
      this.log = new AppendLog(openLog(this.root, this.gen), loaded.logLines);
      // A long log replayed now is a snapshot loaded at the next start.
      this.maybeCompact();
    } catch (err) {
      this.lock.close();
      this.lock = undefined;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.compaction;
    await this.log?.close();
    this.lock?.close();
    this.lock = undefined;
  }

  /** The log takes lines and its directory is writable. */
  async ping(): Promise<void> {
    if (this.log.failed) throw this.log.failed;
    accessSync(this.root, constants.W_OK);
  }

  /** Writes a snapshot now (and drops the files it supersedes); resolves when it is in place. */
  compact(): Promise<void> {
    this.compaction ??= (async () => {
      try {
        const gen = this.gen + 1;
        // Synchronously, so every change is either in the captured state or in the new log.
        const state = this.memory.capture();
        this.log.rotate(openLog(this.root, gen));
        this.gen = gen;
        this.snapshotRecords = await writeSnapshot(this.root, gen, state);
      } finally {
        this.compaction = undefined;
      }
    })();
    return this.compaction;
  }

  private maybeCompact(): void {
    if (this.compaction || this.log.lines < Math.max(this.options.compactMinLines, this.snapshotRecords)) return;
    // A failed compaction leaves the previous snapshot and every log in place; the next one retries.
    this.compact().catch((err) => console.error(`metadata compaction failed: ${(err as Error).message}`));
  }

  /**
   * Applies a change in memory (synchronously: the memory engine never awaits), logs it if it did
   * something, and answers once the line is durable. `changed` says whether the answer means a change.
   */
  private change<T>(op: string, args: unknown[], apply: () => Promise<T>, changed: (value: T) => boolean = () => true): Promise<T> {
    if (this.log.failed) return Promise.reject(this.log.failed);
    const result = apply();
    if (Bun.peek.status(result) !== "fulfilled") return result;
    const value = Bun.peek(result) as T;
    // Nothing changed: answer once what it was answered from is durable, logging nothing.
    if (!changed(value)) return this.log.barrier().then(() => value);
    const line: LogLine = { op, args };
    return this.log.append(JSON.stringify(line)).then(() => {
      this.maybeCompact();
      return value;
    });
  }

  putCredential(c: Credential, events?: EngineEvent[]): Promise<void> {
    return this.change("putCredential", [c, events], () => this.memory.putCredential(c, events));
  }

  getCredential(accessKey: string): Promise<Credential | null> {
    return this.memory.getCredential(accessKey);
  }

  listCredentials(): Promise<Credential[]> {
    return this.memory.listCredentials();
  }

  deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean> {
    return this.change("deleteCredential", [accessKey, events], () => this.memory.deleteCredential(accessKey, events), (done) => done);
  }

  getRecord(kind: RecordKind, id: string): Promise<string | null> {
    return this.memory.getRecord(kind, id);
  }

  listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>> {
    return this.memory.listRecords(kind);
  }

  putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    return this.change("putRecord", [kind, id, value, expected], () => this.memory.putRecord(kind, id, value, expected), (done) => done);
  }

  deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    return this.change("deleteRecord", [kind, id, expected], () => this.memory.deleteRecord(kind, id, expected), (done) => done);
  }

  createBucket(b: BucketRecord, events?: EngineEvent[]): Promise<boolean> {
    return this.change("createBucket", [b, events], () => this.memory.createBucket(b, events), (done) => done);
  }

  getBucket(name: string): Promise<BucketRecord | null> {
    return this.memory.getBucket(name);
  }

  listBuckets(): Promise<BucketRecord[]> {
    return this.memory.listBuckets();
  }

  deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean> {
    return this.change("deleteBucket", [name, events], () => this.memory.deleteBucket(name, events), (done) => done);
  }

  updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean> {
    return this.change("updateBucket", [name, change, events], () => this.memory.updateBucket(name, change, events), (done) => done);
  }

  getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null> {
    return this.memory.getObject(bucket, key, versionId);
  }

  putObject(r: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite> {
    return this.change("putObject", [r, condition, events], () => this.memory.putObject(r, condition, events));
  }

  deleteObject(
    bucket: string, key: string, options: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] } = {},
  ): Promise<ObjectRecord | null> {
    return this.change("deleteObject", [bucket, key, options], () => this.memory.deleteObject(bucket, key, options), (removed) => removed !== null);
  }

  updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean> {
    return this.change("updateObject", [bucket, key, versionId, change, events], () => this.memory.updateObject(bucket, key, versionId, change, events), (done) => done);
  }

  listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    return this.memory.listObjects(bucket, query);
  }

  listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage> {
    return this.memory.listObjectVersions(bucket, query);
  }

  bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>> {
    return this.memory.bucketStats();
  }

  openUploadCount(): Promise<number> {
    return this.memory.openUploadCount();
  }

  isStorageIdReferenced(storageId: string): Promise<boolean> {
    return this.memory.isStorageIdReferenced(storageId);
  }

  createUpload(upload: UploadRecord, events?: EngineEvent[]): Promise<void> {
    return this.change("createUpload", [upload, events], () => this.memory.createUpload(upload, events));
  }

  getUpload(uploadId: string): Promise<UploadRecord | null> {
    return this.memory.getUpload(uploadId);
  }

  listUploads(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]> {
    return this.memory.listUploads(bucket, prefix, after, limit);
  }

  uploadsInitiatedBefore(before: number): Promise<UploadRecord[]> {
    return this.memory.uploadsInitiatedBefore(before);
  }

  putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null> {
    return this.change("putPart", [part, events], () => this.memory.putPart(part, events));
  }

  listParts(uploadId: string, after: number, max: number): Promise<PartPage> {
    return this.memory.listParts(uploadId, after, max);
  }

  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<CompletedUpload> {
    return this.change("completeUpload", [uploadId, object, condition, events], () => this.memory.completeUpload(uploadId, object, condition, events));
  }

  deleteUpload(uploadId: string, events?: EngineEvent[]): Promise<boolean> {
    return this.change("deleteUpload", [uploadId, events], () => this.memory.deleteUpload(uploadId, events), (done) => done);
  }

  deleteParts(uploadId: string, partNumbers: number[]): Promise<void> {
    return this.change("deleteParts", [uploadId, partNumbers], () => this.memory.deleteParts(uploadId, partNumbers));
  }

  uploadsWithParts(limit: number): Promise<string[]> {
    return this.memory.uploadsWithParts(limit);
  }

  pendingEvents(limit: number): Promise<StoredEvent[]> {
    return this.memory.pendingEvents(limit);
  }

  /** Logged without waiting for the disk: delivery marks may be lost to a crash (delivery is at least once). */
  async markDelivered(seq: number): Promise<void> {
    if (this.log.failed) return;
    await this.memory.markDelivered(seq);
    this.log.appendLazy(JSON.stringify({ op: "markDelivered", args: [seq] } satisfies LogLine));
  }

  listEvents(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.memory.listEvents(afterSeq, limit);
  }
}

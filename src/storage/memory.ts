// In-memory storage: object bytes in a Map, with an optional cap on the total held, and optional
// snapshots: every snapshot_interval_seconds (when something changed) the whole map is written to a
// temp file, fsynced and renamed over snapshot_path, and loaded at start-up. A kill -9 mid-snapshot
// leaves the previous snapshot whole; writes since the last snapshot are lost with the process (the
// metadata then names data that is gone, which GET answers with InternalError and logs).
import { readFileSync, rmSync, writeSync } from "node:fs";
import { replaceFile, tempOf } from "../durable-file.ts";
import { failpoint } from "../failpoint.ts";
import { S3Error } from "../errors.ts";
import { newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData } from "./backend.ts";

export interface MemoryOptions {
  /** Total bytes held at most; 0 means no cap. */
  maxBytes?: number;
  snapshot?: { path: string; intervalSeconds: number };
}

const MAGIC = "BLEEPSTORE-MEMORY-SNAPSHOT-1\n";

export class MemoryStorage implements StorageBackend {
  readonly name = "memory";
  private readonly blobs = new Map<string, { bytes: Uint8Array; modified: number }>();
  private used = 0;
  private dirty = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly maxBytes: number;
  private readonly snapshotOptions: MemoryOptions["snapshot"];

  constructor(options: MemoryOptions | number = {}) {
    const o = typeof options === "number" ? { maxBytes: options } : options;
    this.maxBytes = o.maxBytes ?? 0;
    this.snapshotOptions = o.snapshot;
  }

  async init(): Promise<void> {
    const s = this.snapshotOptions;
    if (!s) return;
    rmSync(tempOf(s.path), { force: true });
    this.load(s.path);
    this.timer = setInterval(() => {
      if (this.dirty) this.snapshot();
    }, s.intervalSeconds * 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  async ping(): Promise<void> {}

  async write(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of source) {
      size += chunk.length;
      if (this.maxBytes > 0 && this.used + size > this.maxBytes) throw this.full(size);
      chunks.push(chunk.slice());
    }
    if (this.maxBytes > 0 && this.used + size > this.maxBytes) throw this.full(size);
    const id = newStorageId();
    this.blobs.set(id, { bytes: Buffer.concat(chunks, size), modified: Date.now() });
    this.used += size;
    this.dirty = true;
    return { id, size };
  }

  private full(size: number): S3Error {
    return new S3Error("StorageFull", {
      message: `Memory storage is full: storage.memory.max_size_bytes is ${this.maxBytes} and ${this.used} are held; this write needs ${size} or more.`,
    });
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    const blob = this.blobs.get(id);
    if (!blob) return null;
    return new Blob([range ? blob.bytes.subarray(range.start, range.end + 1) : blob.bytes]);
  }

  async delete(id: string): Promise<void> {
    const blob = this.blobs.get(id);
    if (!blob) return;
    this.used -= blob.bytes.length;
    this.blobs.delete(id);
    this.dirty = true;
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    for (const [id, { modified }] of [...this.blobs]) yield { id, modified };
  }

  /** Writes every object to `<path>.tmp`, fsyncs it and renames it over the snapshot. */
  snapshot(): void {
    const path = this.snapshotOptions!.path;
    this.dirty = false;
    replaceFile(path, (fd) => {
      writeSync(fd, MAGIC);
      const header = Buffer.alloc(32 + 8 + 8);
      let written = 0;
      for (const [id, { bytes, modified }] of this.blobs) {
        header.write(id, 0, "latin1");
        header.writeBigUInt64BE(BigInt(bytes.length), 32);
        header.writeBigUInt64BE(BigInt(modified), 40);
        writeSync(fd, header);
        writeSync(fd, bytes);
        if (++written === Math.ceil(this.blobs.size / 2)) failpoint("memory-snapshot-half-written");
      }
    });
  }

  private load(path: string): void {
    let file: Buffer;
    try {
      file = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    if (file.subarray(0, MAGIC.length).toString("latin1") !== MAGIC) throw new Error(`${path} is not a BleepStore memory snapshot`);
    for (let at = MAGIC.length; at < file.length;) {
      const id = file.subarray(at, at + 32).toString("latin1");
      const size = Number(file.readBigUInt64BE(at + 32));
      const modified = Number(file.readBigUInt64BE(at + 40));
      if (!STORAGE_ID.test(id) || at + 48 + size > file.length) throw new Error(`${path} is damaged at byte ${at}`);
      const bytes = file.subarray(at + 48, at + 48 + size);
      this.blobs.set(id, { bytes, modified });
      this.used += size;
      at += 48 + size;
    }
  }
}

// In-memory storage: object bytes in a Map, with an optional cap on the total held.
import { S3Error } from "../errors.ts";
import type { ByteRange, StorageBackend, StoredData } from "./backend.ts";

export class MemoryStorage implements StorageBackend {
  readonly name = "memory";
  private readonly blobs = new Map<string, Uint8Array>();
  private used = 0;

  /** @param maxBytes total bytes held at most; 0 means no cap. */
  constructor(private readonly maxBytes = 0) {}

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<void> {}

  async write(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of source) {
      size += chunk.length;
      if (this.maxBytes > 0 && this.used + size > this.maxBytes) throw new S3Error("StorageFull");
      chunks.push(chunk.slice());
    }
    if (this.maxBytes > 0 && this.used + size > this.maxBytes) throw new S3Error("StorageFull");
    const id = crypto.randomUUID().replaceAll("-", "");
    this.blobs.set(id, Buffer.concat(chunks, size));
    this.used += size;
    return { id, size };
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    const bytes = this.blobs.get(id);
    if (!bytes) return null;
    return new Blob([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
  }

  async delete(id: string): Promise<void> {
    const bytes = this.blobs.get(id);
    if (!bytes) return;
    this.used -= bytes.length;
    this.blobs.delete(id);
  }
}

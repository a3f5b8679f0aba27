// SQLite storage: object bytes in the metadata database itself, as rows of at most 256 KiB, so a
// write or read streams and a large object never sits whole in memory. No temp files: a write is a
// `blobs` row (size -1 while it is written) and its chunks; a crash leaves at worst such an unfinished
// row, removed at start-up. Bytes and metadata share one WAL, so the metadata commit's fdatasync
// that follows every write makes the bytes durable with it. Only with the sqlite metadata engine,
// whose connection (opened exclusively) this backend borrows.
import type { Database, Statement } from "bun:sqlite";
import { S3Error } from "../errors.ts";
import { assertStorageId, IN_MEMORY_READ, newStorageId, type ByteRange, type StorageBackend, type StoredData } from "./backend.ts";

const CHUNK = 256 * 1024;

interface Chunk { offset: number; len: number; data: Uint8Array }

export class SqliteStorage implements StorageBackend {
  readonly name = "sqlite";
  private q!: ReturnType<typeof prepare>;

  /** @param database the metadata store's connection, once it is open */
  constructor(private readonly database: () => Database) {}

  async init(): Promise<void> {
    this.q = prepare(this.database());
    // Writes a crash cut short (size -1): nothing refers to them.
    this.database().transaction(() => {
      for (const { id } of this.q.unfinished.all()) this.drop(id);
    })();
  }

  async close(): Promise<void> {}

  async ping(): Promise<void> {
    this.q.ping.get();
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    this.q.insertBlob.run(id, -1, Date.now());
    let size = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = () => {
      if (pendingBytes === 0) return;
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      this.q.insertChunk.run(id, size - pendingBytes, pendingBytes, data);
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const chunk of source) {
        for (let at = 0; at < chunk.length;) {
          const n = Math.min(CHUNK - pendingBytes, chunk.length - at);
          // Copied: the caller may reuse its buffer once the iterator moves on.
          pending.push(chunk.slice(at, at + n));
          pendingBytes += n;
          size += n;
          at += n;
          if (pendingBytes === CHUNK) flush();
        }
      }
      flush();
      this.q.finishBlob.run(size, id);
    } catch (err) {
      this.delete(id);
      if (String((err as { code?: unknown })?.code ?? "").startsWith("SQLITE_FULL")) throw new S3Error("StorageFull", { cause: err });
      throw err;
    }
    return { id, size };
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    assertStorageId(id);
    const blob = this.q.getBlob.get(id);
    if (!blob || blob.size < 0) return null;
    const start = range?.start ?? 0;
    const end = range ? Math.min(range.end + 1, blob.size) : blob.size;
    const chunkAt = (pos: number): Uint8Array | null => {
      const c = this.q.chunkAt.get(id, pos);
      return c && c.offset + c.len > pos ? c.data.subarray(pos - c.offset, Math.min(c.len, end - c.offset)) : null;
    };
    if (end - start <= IN_MEMORY_READ) {
      const out = new Uint8Array(end - start);
      for (let pos = start; pos < end;) {
        const piece = chunkAt(pos);
        if (!piece) return null;
        out.set(piece, pos - start);
        pos += piece.length;
      }
      return new Blob([out]);
    }
    let pos = start;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pos >= end) return controller.close();
        const piece = chunkAt(pos);
        if (!piece) return controller.error(new Error(`stored object ${id} lost a chunk at ${pos}`));
        pos += piece.length;
        controller.enqueue(piece);
      },
    });
    return { stream, size: end - start };
  }

  async delete(id: string): Promise<void> {
    assertStorageId(id);
    this.database().transaction(() => this.drop(id))();
  }

  private drop(id: string): void {
    this.q.deleteChunks.run(id);
    this.q.deleteBlob.run(id);
  }

  /** The parts joined inside the database (rows copied by SQLite, never through this process). */
  async compose(ids: string[]): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    const size = this.database().transaction(() => {
      let offset = 0;
      for (const part of ids) {
        const blob = this.q.getBlob.get(part);
        if (!blob || blob.size < 0) throw new Error(`stored object ${part} is missing`);
        this.q.copyChunks.run(id, offset, part);
        offset += blob.size;
      }
      this.q.insertBlob.run(id, offset, Date.now());
      return offset;
    })();
    return { id, size };
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    for (const { id, created } of this.q.listBlobs.all()) yield { id, modified: created };
  }
}

function prepare(db: Database) {
  return {
    ping: db.query("SELECT 1"),
    insertBlob: db.query("INSERT INTO blobs (id, size, created) VALUES (?, ?, ?)"),
    finishBlob: db.query("UPDATE blobs SET size = ? WHERE id = ?"),
    getBlob: db.query("SELECT size FROM blobs WHERE id = ?") as Statement<{ size: number }>,
    unfinished: db.query("SELECT id FROM blobs WHERE size < 0") as Statement<{ id: string }>,
    listBlobs: db.query("SELECT id, created FROM blobs WHERE size >= 0") as Statement<{ id: string; created: number }>,
    insertChunk: db.query("INSERT INTO blob_chunks (id, offset, len, data) VALUES (?, ?, ?, ?)"),
    // The chunk holding byte `pos`: the last one starting at or before it (a seek on the primary key).
    chunkAt: db.query(
      "SELECT offset, len, data FROM blob_chunks WHERE id = ? AND offset <= ? ORDER BY offset DESC LIMIT 1",
    ) as Statement<Chunk, [string, number]>,
    copyChunks: db.query("INSERT INTO blob_chunks (id, offset, len, data) SELECT ?1, offset + ?2, len, data FROM blob_chunks WHERE id = ?3"),
    deleteChunks: db.query("DELETE FROM blob_chunks WHERE id = ?"),
    deleteBlob: db.query("DELETE FROM blobs WHERE id = ?"),
  };
}

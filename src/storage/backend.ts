// The storage contract: where object bytes live. Every write lands under a fresh id, so a write that
// is not yet committed to metadata can never be seen through a key, and overwrites never mix bytes.

export const STORAGE_ID = /^[0-9a-f]{32}$/;

/** A fresh storage id: 32 lower-case hex digits, never reused. */
export const newStorageId = () => crypto.randomUUID().replaceAll("-", "");

/** Throws unless `id` has the shape newStorageId() makes (so it can never name a path or key outside). */
export function assertStorageId(id: string): void {
  if (!STORAGE_ID.test(id)) throw new Error(`invalid storage id ${JSON.stringify(id)}`);
}

/** Reads up to this many bytes are served from memory (with a Content-Length); larger ones are not. */
export const IN_MEMORY_READ = 8 * 1024 * 1024;

/** Bytes to read: a Blob held in memory, or a stream of known size. */
export type StoredData = Blob | { stream: ReadableStream<Uint8Array>; size: number };

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/**
 * Multipart uploads held by the backend itself (S3 multipart upstream, Azure block lists, ...): the
 * parts go straight into the session and completing it sends no part bytes again. Optional: without
 * it, parts are stored objects of their own and the engine composes them.
 */
export interface UploadSessions {
  /** Starts a session; the object it completes into will be stored under `storageId`. */
  create(): Promise<{ session: string; storageId: string }>;
  /** Stores part `partNumber` (1..10000) of `size` bytes; writing a number again replaces that part. */
  writePart(session: string, storageId: string, partNumber: number, source: AsyncIterable<Uint8Array>, size: number): Promise<{ token: string }>;
  /**
   * Makes the object from the listed parts in order, as durably as write(). Idempotent: completing a
   * session that already completed into its object succeeds.
   */
  complete(session: string, storageId: string, parts: Array<{ partNumber: number; token: string }>): Promise<void>;
  /** Drops the session and its parts; an unknown session is not an error. */
  abort(session: string, storageId: string): Promise<void>;
}

export interface StorageBackend {
  readonly name: string;
  /** Recovery on start-up: remove temp files left by a crash. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** A cheap check that the backend can be written to. */
  ping(): Promise<void>;
  /**
   * Writes `source` durably under a new id and returns it with the byte count. If `source` throws
   * (a digest mismatch found at its end, a client that went away), nothing is kept. `size`, when
   * given, is what the source will yield (it throws otherwise): a gateway may send it in one request.
   */
  write(source: AsyncIterable<Uint8Array>, size?: number): Promise<{ id: string; size: number }>;
  /** The object's bytes (or a range of them); null if the id holds nothing. */
  read(id: string, range?: ByteRange): Promise<StoredData | null>;
  /** Removes an id; absent ids are not an error. */
  delete(id: string): Promise<void>;
  /**
   * Writes one new object made of the given stored objects in order, as durably as write().
   * Optional: without it, the engine streams the parts through write().
   */
  compose?(ids: string[]): Promise<{ id: string; size: number }>;
  /**
   * A new stored object with the bytes of `id` (`size` of them), made by the backend itself (an
   * upstream server-side copy), or null when it cannot for this one. Optional: without it, copies
   * stream through the process.
   */
  copy?(id: string, size: number): Promise<{ id: string; size: number } | null>;
  /** Native multipart uploads, where the backend has them. */
  readonly sessions?: UploadSessions;
  /** Every stored id with its last write time (ms), for orphan reconciliation; absent if not listable. */
  listStored?(): AsyncIterable<{ id: string; modified: number }>;
}

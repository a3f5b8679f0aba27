// Hashing of an upload in the same pass as its write: MD5 for the ETag, SHA-256 when the signature
// names the payload hash, and the flexible checksum the client asked for. Mismatches throw at the
// end of the stream, before the storage backend keeps anything.
import { S3Error } from "../errors.ts";
import { bodyFinished } from "./gc.ts";
import { crc32c } from "./crc32c.ts";
import { WORKER_HASH_MIN, WorkerMd5 } from "./hash-pool.ts";
import type { ChecksumAlgorithm, ObjectChecksum } from "../metadata/store.ts";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

/** What the client claims about the bytes it sends; everything optional. */
export interface BodyExpectations {
  /** Content-MD5, base64. */
  contentMd5?: string;
  /** x-amz-content-sha256 when it is a hex digest. */
  sha256Hex?: string;
  /** Flexible checksum to compute, and the value to check when the client sent one (base64). */
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string };
  /** Declared length (Content-Length or x-amz-decoded-content-length). */
  size?: number;
  /** Largest body accepted. */
  maxSize?: number;
  /** Skip the MD5 (when the caller derives the ETag otherwise, as for a multipart object). */
  skipEtag?: boolean;
}

export interface BodyDigest {
  etag: string;
  size: number;
  checksum?: ObjectChecksum;
}

export interface Hasher {
  update(chunk: Uint8Array): void;
  digest(): Uint8Array | Promise<Uint8Array>;
  /** A hasher working elsewhere: resolves once it has caught up enough to be given more. */
  drained?(): Promise<void> | undefined;
  /** Gives up an unfinished hash. */
  close?(): void;
}

class Crc32Hasher implements Hasher {
  private crc = 0;
  update(chunk: Uint8Array): void {
    this.crc = Bun.hash.crc32(chunk, this.crc);
  }
  digest(): Uint8Array {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, this.crc >>> 0);
    return out;
  }
}

class Crc32cHasher implements Hasher {
  private crc = 0;
  update(chunk: Uint8Array): void {
    this.crc = crc32c(chunk, this.crc);
  }
  digest(): Uint8Array {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, this.crc >>> 0);
    return out;
  }
}

class CryptoHasherAdapter implements Hasher {
  private readonly h: Bun.CryptoHasher;
  constructor(algorithm: "sha1" | "sha256" | "md5") {
    this.h = new Bun.CryptoHasher(algorithm);
  }
  update(chunk: Uint8Array): void {
    this.h.update(chunk);
  }
  digest(): Uint8Array {
    return new Uint8Array(this.h.digest());
  }
}

export async function checksumHasher(algorithm: ChecksumAlgorithm): Promise<Hasher> {
  switch (algorithm) {
    case "CRC32":
      return new Crc32Hasher();
    case "SHA1":
      return new CryptoHasherAdapter("sha1");
    case "SHA256":
      return new CryptoHasherAdapter("sha256");
    case "CRC32C":
      return new Crc32cHasher();
    case "CRC64NVME": {
      // Loaded on first use: the package pulls in AWS SDK internals (several MiB and ~30 ms of
      // start-up) that a server which never sees a CRC64NVME checksum should not pay for. A dynamic
      // import also keeps them out of the chunk the compiled binary parses at start.
      const { Crc64Nvme } = await import("@aws-sdk/crc64-nvme");
      return new Crc64Nvme();
    }
  }
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Validates a Content-MD5 header's form (base64 of 16 bytes) before any byte is read. */
export function assertContentMd5(value: string): void {
  const bytes = Buffer.from(value, "base64");
  if (bytes.length !== 16 || bytes.toString("base64") !== value) throw new S3Error("InvalidDigest");
}

/** A body stream that breaks off (the client went away, a connection timed out) is an IncompleteBody. */
async function* failuresAsIncomplete(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } catch (err) {
    throw err instanceof S3Error ? err : new S3Error("IncompleteBody", { message: "The request body ended before it was complete.", cause: err });
  }
}

/**
 * Wraps `source` so that every chunk is hashed on its way to storage; `result` is filled in, and the
 * expectations checked, after the last chunk and before the generator finishes.
 */
export async function* digesting(
  source: AsyncIterable<Uint8Array>,
  expect: BodyExpectations,
  result: Partial<BodyDigest>,
): AsyncGenerator<Uint8Array> {
  // Large bodies are hashed on a worker thread while this one receives and writes them.
  const md5: Hasher | undefined = expect.skipEtag
    ? undefined
    : expect.size === undefined || expect.size >= WORKER_HASH_MIN ? new WorkerMd5() : new CryptoHasherAdapter("md5");
  const sha256 = expect.sha256Hex ? new CryptoHasherAdapter("sha256") : undefined;
  const checksum = expect.checksum ? await checksumHasher(expect.checksum.algorithm) : undefined;
  let size = 0;
  let read = false;
  try {
    for await (const chunk of failuresAsIncomplete(source)) {
      size += chunk.length;
      if (expect.maxSize !== undefined && size > expect.maxSize) throw new S3Error("EntityTooLarge");
      if (expect.size !== undefined && size > expect.size) {
        throw new S3Error("InvalidRequest", { message: "The request body is longer than its declared length." });
      }
      md5?.update(chunk);
      sha256?.update(chunk);
      checksum?.update(chunk);
      yield chunk;
      const behind = md5?.drained?.();
      if (behind) await behind;
    }
    read = true;
  } finally {
    bodyFinished(size);
    // A body that failed, or whose reader stopped early, is never digested.
    if (!read) md5?.close?.();
  }
  if (expect.size !== undefined && size !== expect.size) {
    md5?.close?.();
    throw new S3Error("IncompleteBody");
  }
  const md5Bytes = md5 ? await md5.digest() : undefined;
  if (expect.contentMd5 !== undefined && md5Bytes && toBase64(md5Bytes) !== expect.contentMd5) throw new S3Error("BadDigest");
  if (sha256 && toHex(await sha256.digest()) !== expect.sha256Hex!.toLowerCase()) throw new S3Error("XAmzContentSHA256Mismatch");
  if (checksum && expect.checksum) {
    const value = toBase64(await checksum.digest());
    if (expect.checksum.expected !== undefined && value !== expect.checksum.expected) {
      throw new S3Error("BadDigest", { message: `The ${expect.checksum.algorithm} you specified did not match the calculated checksum.` });
    }
    result.checksum = { algorithm: expect.checksum.algorithm, value, type: "FULL_OBJECT" };
  }
  if (md5Bytes) result.etag = toHex(md5Bytes);
  result.size = size;
}

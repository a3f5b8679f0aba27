// Google Cloud Storage as the storage backend: each stored id is one object under `prefix` in the
// bucket (which must exist: BleepStore never creates it). A write of known size up to 8 MiB is one
// upload request; anything larger, or of unknown size, a resumable upload whose bytes stream in one
// request paced by the client (no deadline on that request; every other call has one); nothing is
// visible until the upload finalizes, and a failed source finalizes nothing. Every object is created with ifGenerationMatch=0 under a fresh name, so a
// retried request can never replace bytes.
//
// Client multipart uploads are upload sessions kept as a manifest, never composed: each part is an
// object `<id>.p<part>.<nonce>` of its own, and Complete writes `<id>.m`, the ordered list of the
// listed parts, then deletes the parts it did not list; a read of `<id>` stitches the parts together
// (a range reads only the parts it covers). No byte is copied at Complete, it works for 10,000 parts,
// and it needs neither compose nor preconditions from the service. Loaded only when
// storage.backend is "gcp". An emulator is reached the SDK's way: STORAGE_EMULATOR_HOST (its
// address), and then no credentials are sent.
import { type Bucket, type File, IdempotencyStrategy, Storage } from "@google-cloud/storage";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { S3Error } from "../errors.ts";
import {
  assertStorageId, IN_MEMORY_READ, newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData, type UploadSessions,
} from "./backend.ts";
import { gcsError, isGcsMissing } from "./gcp-errors.ts";
import { InFlight } from "./in-flight.ts";

export interface GcpStorageOptions {
  bucket: string;
  /** The project (the default chain's when empty). */
  project: string;
  /** Prepended to every object name, e.g. "objects/". */
  prefix: string;
  /** A service account key file; empty: the SDK's default chain (GOOGLE_APPLICATION_CREDENTIALS, metadata server). */
  credentials_file: string;
}

/** Writes of known size up to this are one simple upload; larger or unknown ones resumable. */
const SIMPLE_UPLOAD = 8 * 1024 * 1024;
const DELETES_IN_FLIGHT = 16;
const MANIFEST = ".m";

/** The parts of a completed upload, in order: [name suffix after the id, size]. */
interface Manifest { parts: Array<[string, number]> }

/** A part's token: the suffix of its object name and its size. */
interface PartToken { n: string; s: number }

/** Yields `source` while counting its bytes; remembers whether the source itself failed. */
class Counted {
  size = 0;
  failure: { error: unknown } | undefined;
  constructor(private readonly source: AsyncIterable<Uint8Array>) {}
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.source) {
        this.size += chunk.length;
        yield chunk;
      }
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }
}

const header = (headers: unknown, name: string): string | undefined => {
  const h = headers as { get?: (n: string) => string | null } & Record<string, string | undefined>;
  return typeof h?.get === "function" ? (h.get(name) ?? undefined) : h?.[name];
};

export class GcpStorage implements StorageBackend {
  readonly name = "gcp";
  private readonly bucket: Bucket;
  /** The same bucket without retries: a check that fails at once, with the cause it met. */
  private readonly probe: Bucket;

  constructor(private readonly options: GcpStorageOptions) {
    if (!options.bucket) throw new Error("storage.gcp.bucket must name the bucket to store objects in");
    const client = (retry: boolean) => new Storage({
      ...(options.project ? { projectId: options.project } : {}),
      ...(options.credentials_file ? { keyFilename: options.credentials_file } : {}),
      // Every request: a 60 s deadline, up to 3 retries with exponential backoff and jitter. Retrying
      // anything is safe here: objects are created once under fresh names, deletes are idempotent.
      timeout: 60_000,
      retryOptions: retry
        ? { autoRetry: true, maxRetries: 3, retryDelayMultiplier: 2, maxRetryDelay: 5, totalTimeout: 120, idempotencyStrategy: IdempotencyStrategy.RetryAlways }
        : { autoRetry: false },
    });
    this.bucket = client(true).bucket(options.bucket);
    this.probe = client(false).bucket(options.bucket);
  }

  private file(name: string): File {
    return this.bucket.file(`${this.options.prefix}${name}`);
  }

  async init(): Promise<void> {
    await this.ping();
  }

  async close(): Promise<void> {}

  async ping(): Promise<void> {
    await this.probe.getFiles({ prefix: this.options.prefix, maxResults: 1, autoPaginate: false });
  }

  /** Uploads `source` as a new object `name`; nothing of it stays if either side fails. */
  private async upload(name: string, source: AsyncIterable<Uint8Array>, size?: number): Promise<number> {
    const file = this.file(name);
    const counted = new Counted(source);
    const resumable = size === undefined || size > SIMPLE_UPLOAD;
    const out = file.createWriteStream({
      resumable, validation: false, metadata: { contentType: "application/octet-stream" },
      preconditionOpts: { ifGenerationMatch: 0 },
    });
    try {
      await pipeline(Readable.from(counted), out);
      return counted.size;
    } catch (err) {
      // An upload cut short is never finalized; this removes one that somehow was.
      await file.delete({ ignoreNotFound: true }).catch(() => {});
      if (counted.failure) throw counted.failure.error;
      return gcsError(err);
    }
  }

  async write(source: AsyncIterable<Uint8Array>, size?: number): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    return { id, size: await this.upload(id, source, size) };
  }

  /** A stored object's bytes (or a range), or null if there is no such object. */
  private open(name: string, range?: ByteRange): Promise<{ stream: Readable; size: number } | null> {
    const stream = this.file(name).createReadStream({ validation: false, decompress: false, ...(range ? { start: range.start, end: range.end } : {}) });
    return new Promise<{ stream: Readable; size: number } | null>((resolve, reject) => {
      stream.once("response", (res: { statusCode?: number; status?: number; headers?: unknown }) => {
        if ((res.statusCode ?? res.status ?? 500) >= 300) return; // the error event follows
        resolve({ stream, size: Number(header(res.headers, "content-length") ?? 0) });
      });
      stream.once("error", (err) => {
        if (isGcsMissing(err)) resolve(null);
        else reject(err);
      });
      stream.read(0);
    }).catch(gcsError);
  }

  private async manifest(id: string): Promise<Manifest | null> {
    try {
      const [bytes] = await this.file(`${id}${MANIFEST}`).download({ validation: false });
      return JSON.parse(bytes.toString("utf8")) as Manifest;
    } catch (err) {
      if (isGcsMissing(err)) return null;
      return gcsError(err);
    }
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    assertStorageId(id);
    const plain = await this.open(id, range);
    let data: { stream: AsyncIterable<Uint8Array>; size: number };
    if (plain) data = plain;
    else {
      const manifest = await this.manifest(id);
      if (!manifest) return null;
      data = this.stitch(id, manifest, range);
    }
    if (data.size <= IN_MEMORY_READ) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of data.stream) chunks.push(chunk);
      return new Blob(chunks);
    }
    const stream = data.stream instanceof Readable ? data.stream : Readable.from(data.stream);
    return { stream: Readable.toWeb(stream) as ReadableStream<Uint8Array>, size: data.size };
  }

  /** The bytes of a completed upload (or a range of them), read part by part. */
  private stitch(id: string, manifest: Manifest, range?: ByteRange): { stream: AsyncIterable<Uint8Array>; size: number } {
    const total = manifest.parts.reduce((n, [, size]) => n + size, 0);
    const start = range?.start ?? 0;
    const end = range?.end ?? total - 1;
    const open = (name: string, r: ByteRange) => this.open(name, r);
    async function* parts(): AsyncGenerator<Uint8Array> {
      let offset = 0;
      for (const [suffix, size] of manifest.parts) {
        const from = Math.max(start, offset);
        const to = Math.min(end, offset + size - 1);
        if (from <= to) {
          const part = await open(`${id}.${suffix}`, { start: from - offset, end: to - offset });
          if (!part) throw new S3Error("InternalError", { message: `part ${suffix} of ${id} is missing from Cloud Storage` });
          yield* part.stream as AsyncIterable<Uint8Array>;
        }
        offset += size;
      }
    }
    return { stream: parts(), size: Math.max(0, end - start + 1) };
  }

  async delete(id: string): Promise<void> {
    assertStorageId(id);
    try {
      await this.file(id).delete();
      return; // a plain object has no parts
    } catch (err) {
      if (!isGcsMissing(err)) gcsError(err);
    }
    await this.deleteAll(id);
  }

  /** Deletes every object of `id`: its manifest first, so it never names parts already gone. */
  private async deleteAll(id: string): Promise<void> {
    const names = [...(await this.objects(`${id}.`)).keys()];
    await this.deleteNames(names.filter((n) => n.endsWith(MANIFEST)));
    await this.deleteNames(names.filter((n) => !n.endsWith(MANIFEST)));
  }

  /** Deletes these objects (names after the prefix), DELETES_IN_FLIGHT at a time; absent ones are fine. */
  private async deleteNames(names: Iterable<string>): Promise<void> {
    const deletes = new InFlight(DELETES_IN_FLIGHT);
    try {
      for (const name of names) await deletes.add(() => this.file(name).delete({ ignoreNotFound: true }).then(() => undefined, gcsError));
    } finally {
      await deletes.drain();
    }
  }

  /** Names (after the prefix) and sizes of the objects whose names start with `start`. */
  private async objects(start: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for await (const file of this.files(start)) found.set(file.name.slice(this.options.prefix.length), Number(file.metadata.size ?? 0));
    return found;
  }

  private async *files(start: string): AsyncGenerator<File> {
    let pageToken: string | undefined;
    do {
      const [files, next] = await this.bucket
        .getFiles({ prefix: `${this.options.prefix}${start}`, maxResults: 1000, autoPaginate: false, ...(pageToken ? { pageToken } : {}) })
        .catch(gcsError);
      yield* files;
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  readonly sessions: UploadSessions = {
    // Nothing to call: parts are objects named after the session's object.
    create: async () => {
      const storageId = newStorageId();
      return { session: storageId, storageId };
    },
    writePart: async (_session, storageId, partNumber, source, size) => {
      assertStorageId(storageId);
      const n = `p${String(partNumber).padStart(5, "0")}.${randomBytes(4).toString("hex")}`;
      const s = await this.upload(`${storageId}.${n}`, source, size);
      return { token: JSON.stringify({ n, s } satisfies PartToken) };
    },
    complete: async (_session, storageId, parts) => {
      assertStorageId(storageId);
      const stored = await this.objects(`${storageId}.p`);
      const manifest: Manifest = { parts: [] };
      for (const { partNumber, token } of parts) {
        const { n, s } = JSON.parse(token) as PartToken;
        if (stored.get(`${storageId}.${n}`) !== s) {
          throw new S3Error("InternalError", { message: `part ${partNumber} of upload object ${storageId} is missing from Cloud Storage` });
        }
        manifest.parts.push([n, s]);
      }
      // Rewriting the same manifest (a retried Complete) changes nothing.
      await this.file(`${storageId}${MANIFEST}`)
        .save(JSON.stringify(manifest), { resumable: false, validation: false, contentType: "application/json" })
        .catch(gcsError);
      const listed = new Set(manifest.parts.map(([n]) => `${storageId}.${n}`));
      await this.deleteNames([...stored.keys()].filter((name) => !listed.has(name)));
    },
    abort: async (_session, storageId) => {
      assertStorageId(storageId);
      await this.deleteAll(storageId);
    },
  };

  /** A server-side copy of a plain object; a completed upload (a manifest) is not copied here (null). */
  async copy(id: string, size: number): Promise<{ id: string; size: number } | null> {
    assertStorageId(id);
    const target = newStorageId();
    try {
      await this.file(id).copy(this.file(target), { preconditionOpts: { ifGenerationMatch: 0 } });
      return { id: target, size };
    } catch (err) {
      if (isGcsMissing(err)) return null;
      return gcsError(err);
    }
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    // An id's objects (the object, or its parts and manifest) are listed together: ids have one length.
    let current: { id: string; modified: number } | undefined;
    for await (const file of this.files("")) {
      const rest = file.name.slice(this.options.prefix.length);
      const id = rest.slice(0, 32);
      if (!STORAGE_ID.test(id) || (rest.length > 32 && rest[32] !== ".")) continue;
      const modified = Date.parse(String(file.metadata.updated ?? file.metadata.timeCreated ?? "")) || 0;
      if (current?.id === id) current.modified = Math.max(current.modified, modified);
      else {
        if (current) yield current;
        current = { id, modified };
      }
    }
    if (current) yield current;
  }
}

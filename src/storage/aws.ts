// AWS S3 (or any S3-compatible service) as the storage backend: each stored id is one object under
// `prefix` in the configured bucket. Writes stream into a multipart upload in 8 MiB parts (a single
// PutObject when the body is smaller), so a write is durable when the service acknowledges it and
// a failed source aborts the upload, keeping nothing. Client multipart uploads map onto upstream
// multipart uploads (UploadSessions). Loaded only when storage.backend is "aws".
// Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile,
// instance role...).
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import {
  assertStorageId, IN_MEMORY_READ, newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData, type UploadSessions,
} from "./backend.ts";
import { InFlight } from "./in-flight.ts";
import { awsError } from "./aws-errors.ts";

export interface AwsStorageOptions {
  bucket: string;
  region: string;
  prefix: string;
  endpoint_url: string;
  use_path_style: boolean;
  /** Explicit credentials (tests); otherwise the AWS SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const PART_SIZE = 8 * 1024 * 1024;
const UPLOADS_IN_FLIGHT = 2;

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
};

/**
 * A source as a Node stream for the SDK, whose own failure (a digest mismatch, a client gone) is kept
 * and reported instead of surfacing as an unhandled stream error, even when it comes after the last byte.
 */
function streamed(source: AsyncIterable<Uint8Array>) {
  let size = 0;
  let failure: unknown;
  let ended!: () => void;
  const finished = new Promise<void>((resolve) => (ended = resolve));
  const stream = Readable.from((async function* () {
    try {
      for await (const chunk of source) {
        size += chunk.length;
        yield chunk;
      }
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      ended();
    }
  })());
  stream.on("error", () => {});
  return {
    stream,
    size: () => size,
    failure: () => failure,
    /**
     * Once the upstream has the bytes, waits for the source's own end — where its digests are
     * checked, possibly after its last byte was sent — and throws what it threw.
     */
    check: async () => {
      stream.resume();
      await finished;
      if (failure !== undefined) throw failure;
    },
  };
}

/** Collects chunks into parts of PART_SIZE bytes. */
class PartBuffer {
  private chunks: Uint8Array[] = [];
  size = 0;
  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
  take(): Uint8Array {
    const out = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return out;
  }
}

export class AwsStorage implements StorageBackend {
  readonly name = "aws";
  private readonly client: S3Client;

  constructor(private readonly options: AwsStorageOptions) {
    if (!options.bucket) throw new Error("storage.aws.bucket must name the bucket to store objects in");
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint_url ? { endpoint: options.endpoint_url } : {}),
      forcePathStyle: options.use_path_style,
      // BleepStore hashes every body itself (MD5, and the client's checksum); the SDK's own CRC32 of
      // each upstream request and response would be a third pass over the bytes, on the same cores.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // Bounded retries (the SDK's standard mode: exponential backoff with jitter) and a deadline on
      // every request, so an upstream that stops answering fails the request instead of holding it.
      maxAttempts: 4,
      requestHandler: { requestTimeout: 60_000, connectionTimeout: 10_000 },
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  /** Multipart uploads mapped onto the upstream's own: UploadPart streams straight up, Complete sends no bytes. */
  readonly sessions: UploadSessions = {
    create: async () => {
      const storageId = newStorageId();
      const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.options.bucket, Key: this.key(storageId) }));
      return { session: UploadId!, storageId };
    },
    writePart: async (session, storageId, partNumber, source, size) => {
      const body = streamed(source);
      try {
        const part = await this.client.send(new UploadPartCommand({
          Bucket: this.options.bucket, Key: this.key(storageId), UploadId: session, PartNumber: partNumber,
          Body: body.stream, ContentLength: size,
        }));
        // A part whose digest failed after its last byte was sent is not recorded (a retry replaces it).
        await body.check();
        return { token: part.ETag! };
      } catch (err) {
        throw body.failure() ?? awsError(err);
      }
    },
    complete: async (session, storageId, parts) => {
      const Key = this.key(storageId);
      try {
        await this.client.send(new CompleteMultipartUploadCommand({
          Bucket: this.options.bucket, Key, UploadId: session,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.token })) },
        }));
      } catch (err) {
        // A retry after a completion whose answer was lost (a crash, a timeout): the object is there.
        if ((err as { name?: string }).name !== "NoSuchUpload") throw err;
        await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      }
    },
    abort: async (session, storageId) => {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: this.key(storageId), UploadId: session }));
      } catch (err) {
        if ((err as { name?: string }).name !== "NoSuchUpload") throw err;
      }
    },
  };

  private key(id: string): string {
    assertStorageId(id);
    return `${this.options.prefix}${id}`;
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {
    this.client.destroy();
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
  }

  async write(source: AsyncIterable<Uint8Array>, declared?: number): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    const Bucket = this.options.bucket;
    const Key = this.key(id);
    // A known length goes up as one streamed PutObject (S3's limit for one is 5 GiB).
    if (declared !== undefined && declared <= 5 * 1024 ** 3) {
      const body = streamed(source);
      try {
        await this.client.send(new PutObjectCommand({ Bucket, Key, Body: body.stream, ContentLength: declared }));
        await body.check();
      } catch (err) {
        // A digest that failed at the very end may leave the whole body stored upstream: not kept.
        await this.client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => {});
        throw body.failure() ?? awsError(err);
      }
      return { id, size: body.size() };
    }
    const buffer = new PartBuffer();
    const etags: string[] = [];
    let uploadId: string | undefined;
    let size = 0;
    const uploads = new InFlight(UPLOADS_IN_FLIGHT);
    let parts = 0;
    const uploadPart = async (body: Uint8Array) => {
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!;
      const n = ++parts;
      const UploadId = uploadId;
      await uploads.add(async () => {
        etags[n - 1] = (await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: body }))).ETag!;
      });
    };
    try {
      for await (const chunk of source) {
        buffer.push(chunk);
        size += chunk.length;
        if (buffer.size >= PART_SIZE) await uploadPart(buffer.take());
      }
      if (uploadId === undefined) {
        await this.client.send(new PutObjectCommand({ Bucket, Key, Body: buffer.take() }));
        return { id, size };
      }
      if (buffer.size > 0) await uploadPart(buffer.take());
      await uploads.drain();
      await this.client.send(new CompleteMultipartUploadCommand({
        Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }));
      return { id, size };
    } catch (err) {
      await uploads.drain().catch(() => {});
      if (uploadId !== undefined) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => {});
      }
      return awsError(err);
    }
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    try {
      const got = await this.client.send(new GetObjectCommand({
        Bucket: this.options.bucket, Key: this.key(id), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }));
      const size = got.ContentLength ?? 0;
      if (size <= IN_MEMORY_READ) return new Blob([await got.Body!.transformToByteArray()]);
      return { stream: got.Body!.transformToWebStream(), size };
    } catch (err) {
      if (isMissing(err)) return null;
      return awsError(err);
    }
  }

  async delete(id: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(id) })).catch(awsError);
  }

  /** A server-side copy upstream (no byte through this process), for objects up to S3's 5 GiB. */
  async copy(id: string, size: number): Promise<{ id: string; size: number } | null> {
    if (size > 5 * 1024 ** 3) return null;
    const copied = newStorageId();
    await this.client.send(new CopyObjectCommand({
      Bucket: this.options.bucket, Key: this.key(copied), CopySource: `${this.options.bucket}/${encodeURIComponent(this.key(id))}`,
    })).catch(awsError);
    return { id: copied, size };
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({
        Bucket: this.options.bucket, Prefix: this.options.prefix, ...(token ? { ContinuationToken: token } : {}),
      }));
      for (const o of page.Contents ?? []) {
        const id = o.Key!.slice(this.options.prefix.length);
        if (STORAGE_ID.test(id)) yield { id, modified: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}

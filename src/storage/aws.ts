// AWS S3 (or any S3-compatible service) as the storage backend: each stored id is one object under
// `prefix` in the configured bucket. Writes stream into a multipart upload in 8 MiB parts (a single
// PutObject when the body is smaller), so a write is durable when the service acknowledges it and
// a failed source aborts the upload, keeping nothing. Client multipart uploads map onto upstream
// multipart uploads (UploadSessions). Loaded only when storage.backend is "aws".
// Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile,
// instance role...).
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import {
  assertStorageId, IN_MEMORY_READ, newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData, type UploadSessions,
} from "./backend.ts";

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

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
};

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
      const part = await this.client.send(new UploadPartCommand({
        Bucket: this.options.bucket, Key: this.key(storageId), UploadId: session, PartNumber: partNumber,
        Body: Readable.from(source), ContentLength: size,
      }));
      return { token: part.ETag! };
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

  async write(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    const Bucket = this.options.bucket;
    const Key = this.key(id);
    const buffer = new PartBuffer();
    const etags: string[] = [];
    let uploadId: string | undefined;
    let size = 0;
    const uploadPart = async (body: Uint8Array) => {
      uploadId ??= (await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }))).UploadId!;
      const part = await this.client.send(new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber: etags.length + 1, Body: body }));
      etags.push(part.ETag!);
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
      await this.client.send(new CompleteMultipartUploadCommand({
        Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }));
      return { id, size };
    } catch (err) {
      if (uploadId !== undefined) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => {});
      }
      throw err;
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
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(id) }));
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

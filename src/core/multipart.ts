// Multipart uploads: parts go to the storage backend (its own upload session, or objects of their own:
// part-store.ts); Complete joins them into one stored object and commits it with the upload's completion
// in one small metadata step, so the object appears whole or not at all; the parts are freed after.
import { S3Error } from "../errors.ts";
import type { ChecksumAlgorithm, ObjectRecord, PartRecord, SseInfo, Tags, UploadRecord, WriteCondition } from "../metadata/store.ts";
import type { ByteRange } from "../storage/backend.ts";
import { ANONYMOUS, objectOwner, requirePermission, resolveAcl, type AclSpec, type Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import { checkCondition } from "../metadata/condition.ts";
import { freeReplaced, versionIdFor } from "./versioning.ts";
import { cleanupAfterCommit, cleanupParts } from "./cleanup.ts";
import { newEvent, objectCreated } from "./events.ts";
import { failpoint } from "../failpoint.ts";
import { certainlyRefused, freeStorage, type EngineContext } from "./context.ts";
import type { Copier, CopySource } from "./copy.ts";
import { dataStream } from "./copy.ts";
import { assertContentMd5, checksumHasher, type BodyExpectations } from "./digest.ts";
import { assertKey } from "./names.ts";
import { DEFAULT_CONTENT_TYPE, sseFor } from "./objects.ts";
import type { SseRequest } from "./sse.ts";
import { lockFor, type LockRequest } from "./object-lock.ts";
import type { ReadConditions } from "./conditions.ts";
import { PartStore } from "./part-store.ts";
import { pageUploads, type UploadListQuery, type UploadPage } from "./upload-listing.ts";

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PART_NUMBER = 10000;
export const MAX_OBJECT_SIZE = 5 * 1024 ** 4;

export interface CreateUploadInput {
  bucket: string;
  key: string;
  contentType?: string;
  headers?: Record<string, string>;
  userMetadata?: Record<string, string>;
  storageClass?: string;
  acl?: AclSpec;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: "FULL_OBJECT" | "COMPOSITE";
  tags?: Tags;
  /** Encryption of every part and of the object; absent, the bucket's default. */
  sse?: SseRequest;
  /** Object Lock settings of the object (the bucket's default retention applies at Complete otherwise). */
  lock?: LockRequest;
}

export interface UploadPartInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  body: AsyncIterable<Uint8Array>;
  size?: number;
  contentMd5?: string;
  sha256Hex?: string;
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string };
  /** The customer's key of an SSE-C upload (required for one, refused for any other). */
  customerKey?: Uint8Array;
}

export interface UploadPartCopyInput {
  bucket: string;
  key: string;
  uploadId: string;
  partNumber: number;
  source: CopySource;
  /** x-amz-copy-source-range: bytes=first-last, both inclusive. */
  range?: ByteRange;
  conditions?: ReadConditions;
  customerKey?: Uint8Array;
  /** The source's customer key, when the source is SSE-C. */
  sourceCustomerKey?: Uint8Array;
}

export interface CompletePart {
  partNumber: number;
  etag: string;
  checksum?: string;
}

/** The ETag of a multipart object: MD5 of the parts' binary MD5s, then "-N". */
export function multipartEtag(partEtags: string[]): string {
  const md5 = new Bun.CryptoHasher("md5");
  for (const etag of partEtags) md5.update(Buffer.from(etag, "hex"));
  return `${md5.digest("hex")}-${partEtags.length}`;
}

/** S3's composite checksum: the algorithm over the parts' raw checksums, then "-N". */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: string[]): Promise<string> {
  const h = await checksumHasher(algorithm);
  for (const c of partChecksums) h.update(Buffer.from(c, "base64"));
  return `${Buffer.from(await h.digest()).toString("base64")}-${partChecksums.length}`;
}

const bareEtag = (etag: string) => etag.trim().replace(/^"(.*)"$/, "$1");

export function assertPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) {
    throw new S3Error("InvalidArgument", {
      message: `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
      detail: { ArgumentName: "partNumber", ArgumentValue: String(n) },
    });
  }
}

export class Multipart {
  private readonly parts: PartStore;

  constructor(
    private readonly ctx: EngineContext,
    private readonly buckets: Buckets,
    private readonly copier: Copier,
  ) {
    this.parts = new PartStore(ctx);
  }

  private async writable(requester: Requester, bucket: string) {
    const record = await this.buckets.get(bucket);
    requirePermission(record.acl, requester, "WRITE");
    return record;
  }

  /** An in-progress upload of exactly this bucket and key, or NoSuchUpload. */
  private async inProgress(bucket: string, key: string, uploadId: string): Promise<UploadRecord> {
    const upload = await this.ctx.metadata.getUpload(uploadId);
    if (!upload || upload.completedEtag !== undefined || upload.bucket !== bucket || upload.key !== key) {
      throw new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });
    }
    return upload;
  }

  async create(requester: Requester, input: CreateUploadInput): Promise<UploadRecord> {
    assertKey(input.key);
    const bucket = await this.writable(requester, input.bucket);
    const { owner, spec } = objectOwner(bucket, requester ?? ANONYMOUS, input.acl);
    const upload: UploadRecord = {
      // UUIDv7 is time-ordered: uploads of one key list in initiation order.
      uploadId: Bun.randomUUIDv7().replaceAll("-", ""),
      bucket: input.bucket,
      key: input.key,
      initiated: Date.now(),
      owner,
      contentType: input.contentType || DEFAULT_CONTENT_TYPE,
      headers: input.headers ?? {},
      userMetadata: input.userMetadata ?? {},
      storageClass: input.storageClass ?? "STANDARD",
      acl: await resolveAcl(spec, owner, bucket.owner, this.ctx.knownUser),
      ...(input.checksumAlgorithm ? { checksumAlgorithm: input.checksumAlgorithm, checksumType: input.checksumType ?? "COMPOSITE" } : {}),
      ...(input.tags && Object.keys(input.tags).length > 0 ? { tags: input.tags } : {}),
    };
    const sse = sseFor(bucket, input.sse);
    if (sse) upload.sse = (await this.ctx.encryption.seal(sse, input)).info;
    // Checked now (a bucket without Object Lock refuses it); only what was asked for is kept.
    const lock = lockFor(bucket, input.lock);
    if (input.lock?.mode !== undefined && lock.retention) upload.retention = lock.retention;
    if (lock.legalHold) upload.legalHold = true;
    const session = await this.parts.openSession();
    if (session) upload.session = session;
    await this.ctx.metadata.createUpload(upload, [newEvent("multipart.created", { bucket: upload.bucket, key: upload.key, uploadId: upload.uploadId })]);
    this.ctx.publish();
    return upload;
  }

  /** Records a stored part; frees the part it replaced, or its own storage if the upload is gone. */
  private async recordPart(upload: UploadRecord, part: PartRecord): Promise<PartRecord> {
    let previous: PartRecord | null;
    try {
      previous = await this.ctx.metadata.putPart(part, [
        newEvent("part.uploaded", {
          bucket: upload.bucket, key: upload.key, uploadId: part.uploadId, partNumber: part.partNumber, size: part.size, etag: part.etag,
        }),
      ]);
      this.ctx.publish();
    } catch (err) {
      if (certainlyRefused(err)) await this.parts.free([part]);
      throw err;
    }
    // The same data named again: a transaction the metadata engine applied although its answer was lost,
    // sent again, finds its own record in place.
    if (previous && previous.storageId !== part.storageId) await this.parts.free([previous]);
    return part;
  }

  /** Stores a part; also says the upload's checksum algorithm, for the response headers. */
  async uploadPart(requester: Requester, input: UploadPartInput): Promise<PartRecord & { initiated: number; checksumAlgorithm?: ChecksumAlgorithm; sse?: SseInfo }> {
    assertPartNumber(input.partNumber);
    if (input.contentMd5 !== undefined) assertContentMd5(input.contentMd5);
    if (input.size !== undefined && input.size > MAX_PART_SIZE) throw new S3Error("EntityTooLarge");
    await this.writable(requester, input.bucket);
    const upload = await this.inProgress(input.bucket, input.key, input.uploadId);
    if (input.checksum && upload.checksumAlgorithm && input.checksum.algorithm !== upload.checksumAlgorithm) {
      throw new S3Error("InvalidRequest", {
        message: `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${input.checksum.algorithm.toLowerCase()}`,
      });
    }
    // Parts of an upload with a checksum algorithm always get that checksum, sent or not.
    const checksum = input.checksum ?? (upload.checksumAlgorithm ? { algorithm: upload.checksumAlgorithm } : undefined);
    const dataKey = await this.ctx.encryption.open(upload.sse, input.customerKey);
    const part = await this.storePart(upload, input.partNumber, input.body, {
      contentMd5: input.contentMd5, sha256Hex: input.sha256Hex, size: input.size, maxSize: MAX_PART_SIZE,
      ...(checksum ? { checksum } : {}),
    }, dataKey);
    return { ...part, initiated: upload.initiated, ...(checksum ? { checksumAlgorithm: checksum.algorithm } : {}), ...(upload.sse ? { sse: upload.sse } : {}) };
  }

  async uploadPartCopy(requester: Requester, input: UploadPartCopyInput): Promise<PartRecord & { sse?: SseInfo }> {
    assertPartNumber(input.partNumber);
    await this.writable(requester, input.bucket);
    const upload = await this.inProgress(input.bucket, input.key, input.uploadId);
    const dataKey = await this.ctx.encryption.open(upload.sse, input.customerKey);
    const src = await this.copier.source(requester, input.source, input.conditions);
    const range = input.range;
    if (range && (range.start > range.end || range.end >= src.size)) {
      throw new S3Error("InvalidRange", { message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy, within the object." });
    }
    const size = range ? range.end - range.start + 1 : src.size;
    if (size > MAX_PART_SIZE) throw new S3Error("EntityTooLarge");
    const data = await this.copier.sourceData(src, await this.ctx.encryption.open(src.sse, input.sourceCustomerKey), range);
    const checksum = upload.checksumAlgorithm ? { checksum: { algorithm: upload.checksumAlgorithm } } : {};
    const part = await this.storePart(upload, input.partNumber, dataStream(data), { size, ...checksum }, dataKey);
    return { ...part, ...(upload.sse ? { sse: upload.sse } : {}) };
  }

  /** Stores one part with its digests, then records it (see recordPart). */
  private async storePart(
    upload: UploadRecord, partNumber: number, body: AsyncIterable<Uint8Array>, expect: BodyExpectations, dataKey: Buffer | null,
  ): Promise<PartRecord> {
    return this.recordPart(upload, await this.parts.write(upload, partNumber, body, expect, dataKey));
  }

  async listParts(requester: Requester, bucket: string, key: string, uploadId: string, after: number, max: number) {
    const record = await this.buckets.get(bucket);
    requirePermission(record.acl, requester, "READ");
    const upload = await this.inProgress(bucket, key, uploadId);
    return { upload, page: await this.ctx.metadata.listParts(uploadId, after, max) };
  }

  async listUploads(requester: Requester, bucket: string, query: UploadListQuery): Promise<UploadPage> {
    const record = await this.buckets.get(bucket);
    requirePermission(record.acl, requester, "READ");
    return pageUploads(this.ctx.metadata, bucket, query);
  }

  async abort(requester: Requester, bucket: string, key: string, uploadId: string): Promise<void> {
    await this.writable(requester, bucket);
    await this.inProgress(bucket, key, uploadId);
    const upload = await this.ctx.metadata.getUpload(uploadId);
    await this.ctx.metadata.deleteUpload(uploadId, [newEvent("multipart.aborted", { bucket, key, uploadId })]);
    this.ctx.publish();
    if (upload) await this.parts.abort(upload);
    await cleanupAfterCommit(this.ctx, uploadId);
  }

  /** Checks the requested part list against the stored parts; returns the stored parts in order. */
  private async chosenParts(uploadId: string, requested: CompletePart[]): Promise<PartRecord[]> {
    if (requested.length === 0) throw new S3Error("MalformedXML", { message: "You must specify at least one part." });
    const stored = new Map((await this.ctx.metadata.listParts(uploadId, 0, MAX_PART_NUMBER)).parts.map((p) => [p.partNumber, p]));
    const chosen: PartRecord[] = [];
    requested.forEach((want, i) => {
      if (i > 0 && want.partNumber <= requested[i - 1]!.partNumber) throw new S3Error("InvalidPartOrder");
      const part = stored.get(want.partNumber);
      if (!part || part.etag !== bareEtag(want.etag) || (want.checksum !== undefined && want.checksum !== part.checksum)) {
        throw new S3Error("InvalidPart", { detail: { UploadId: uploadId, PartNumber: String(want.partNumber), ETag: want.etag } });
      }
      chosen.push(part);
    });
    chosen.forEach((part, i) => {
      if (i < chosen.length - 1 && part.size < MIN_PART_SIZE) {
        throw new S3Error("EntityTooSmall", {
          detail: { ProposedSize: String(part.size), MinSizeAllowed: String(MIN_PART_SIZE), PartNumber: String(part.partNumber), ETag: part.etag },
        });
      }
    });
    return chosen;
  }

  /** A retried Complete of an upload that already completed answers with the same ETag. */
  private async alreadyCompleted(bucket: string, key: string, uploadId: string): Promise<{ bucket: string; key: string; etag: string } | null> {
    const upload = await this.ctx.metadata.getUpload(uploadId);
    if (!upload?.completedEtag || upload.bucket !== bucket || upload.key !== key) return null;
    return { bucket, key, etag: upload.completedEtag };
  }

  async complete(
    requester: Requester,
    input: { bucket: string; key: string; uploadId: string; parts: CompletePart[]; condition?: WriteCondition; customerKey?: Uint8Array },
  ): Promise<Pick<ObjectRecord, "bucket" | "key" | "etag" | "checksum" | "sse"> & { versionId?: string }> {
    const bucket = await this.writable(requester, input.bucket);
    const done = await this.alreadyCompleted(input.bucket, input.key, input.uploadId);
    if (done) return done;
    const upload = await this.inProgress(input.bucket, input.key, input.uploadId);
    // An SSE-C key is optional here (as in S3), but when sent it must be the upload's.
    if (input.customerKey || upload.sse?.type !== "SSE-C") await this.ctx.encryption.open(upload.sse, input.customerKey);
    const parts = await this.chosenParts(input.uploadId, input.parts);
    const size = parts.reduce((n, p) => n + p.size, 0);
    if (size > MAX_OBJECT_SIZE) throw new S3Error("EntityTooLarge");
    // Fail a doomed conditional write before copying any bytes (the store re-checks atomically).
    if (input.condition) checkCondition(input.key, await this.ctx.metadata.getObject(input.bucket, input.key), input.condition);

    const algorithm = upload.checksumAlgorithm;
    const fullObject = algorithm !== undefined && upload.checksumType === "FULL_OBJECT";
    const { stored, checksum } = await this.parts.join(upload, parts, fullObject ? algorithm : undefined);
    const record: ObjectRecord = {
      bucket: upload.bucket,
      key: upload.key,
      versionId: versionIdFor(bucket),
      size: stored.size,
      etag: multipartEtag(parts.map((p) => p.etag)),
      lastModified: Date.now(),
      storageId: stored.id,
      contentType: upload.contentType,
      headers: upload.headers,
      userMetadata: upload.userMetadata,
      storageClass: upload.storageClass,
      owner: upload.owner,
      acl: upload.acl,
      partSizes: parts.map((p) => p.size),
      ...(upload.tags ? { tags: upload.tags } : {}),
      ...(upload.sse ? { sse: { ...upload.sse, parts: parts.map((p) => p.partNumber) } } : {}),
      ...lockFor(bucket, upload.legalHold ? { legalHold: true } : undefined),
      ...(upload.retention ? { retention: upload.retention } : {}),
      ...(checksum ? { checksum } : {}),
      ...(algorithm && !fullObject && parts.every((p) => p.checksum)
        ? { checksum: { algorithm, value: await compositeChecksum(algorithm, parts.map((p) => p.checksum!)), type: "COMPOSITE" as const } }
        : {}),
    };
    let completed;
    try {
      completed = await this.ctx.metadata.completeUpload(input.uploadId, record, input.condition, [
        objectCreated(record, "CompleteMultipartUpload"),
        newEvent("multipart.completed", { bucket: record.bucket, key: record.key, uploadId: input.uploadId, etag: record.etag }),
      ]);
    } catch (err) {
      if (certainlyRefused(err)) await freeStorage(this.ctx, [stored.id]);
      // A concurrent Complete of the same upload won: answer as its retry would.
      const winner = err instanceof S3Error && err.code === "NoSuchUpload" ? await this.alreadyCompleted(input.bucket, input.key, input.uploadId) : null;
      if (winner) return winner;
      throw err;
    }
    this.ctx.publish();
    failpoint("complete-committed");
    await cleanupAfterCommit(this.ctx, input.uploadId);
    await freeReplaced(this.ctx, completed, record);
    return record;
  }

  /** Start-up reaper: drops uploads (and completed-upload records) initiated before `before`. */
  async reapInitiatedBefore(before: number): Promise<number> {
    const expired = await this.ctx.metadata.uploadsInitiatedBefore(before);
    for (const upload of expired) {
      await this.ctx.metadata.deleteUpload(upload.uploadId);
      if (upload.completedEtag === undefined) await this.parts.abort(upload);
      await cleanupParts(this.ctx, upload.uploadId);
    }
    return expired.length;
  }
}

// Object operations of the engine: put (stream → storage under a new id → metadata commit), get and
// head (conditions, ranges), delete. Bytes are never buffered whole; a failed write keeps nothing.
import { S3Error, toS3Error } from "../errors.ts";
import { checkCondition } from "../metadata/condition.ts";
import type { BucketRecord, ChecksumAlgorithm, ObjectRecord, ObjectWrite, SseInfo, Tags, WriteCondition } from "../metadata/store.ts";
import { assertVersionId } from "../metadata/versions.ts";
import type { ByteRange, StoredData } from "../storage/backend.ts";
import { allows, ANONYMOUS, objectOwner, requirePermission, resolveAcl, type AclSpec, type Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import { checkReadConditions, type ReadConditions } from "./conditions.ts";
import { certainlyRefused, freeStorage, type EngineContext } from "./context.ts";
import { assertContentMd5, digesting, type BodyDigest, type BodyExpectations } from "./digest.ts";
import { assertKey } from "./names.ts";
import { resolveRange } from "./range.ts";
import { objectCreated, objectDeleted } from "./events.ts";
import { decrypted, sealedEtag, sealing, storedRange, storedSize, type SseRequest } from "./sse.ts";
import { lockFor, type LockRequest } from "./object-lock.ts";
import { expiryOf, type Due } from "./lifecycle-due.ts";
import { deleteMarker, freeReplaced, readableVersion, versionIdFor, type DeleteOutcome } from "./versioning.ts";

/** Largest object a single PutObject may carry (S3's limit). */
export const MAX_PUT_SIZE = 5 * 1024 ** 3;

export interface PutObjectInput {
  bucket: string;
  key: string;
  body: AsyncIterable<Uint8Array>;
  /** Declared body length, when known. */
  size?: number;
  contentType?: string;
  /** System headers to keep (content-encoding, cache-control, ...), lower-case names. */
  headers?: Record<string, string>;
  userMetadata?: Record<string, string>;
  storageClass?: string;
  acl?: AclSpec;
  contentMd5?: string;
  sha256Hex?: string;
  checksum?: { algorithm: ChecksumAlgorithm; expected?: string };
  condition?: WriteCondition;
  tags?: Tags;
  /** Encryption asked for by the request; absent, the bucket's default applies. */
  sse?: SseRequest;
  /** Object Lock settings asked for (x-amz-object-lock-*); absent, the bucket's default retention. */
  lock?: LockRequest;
  /** The S3 operation, for the event name (s3:ObjectCreated:Put or :Post); Put when absent. */
  how?: "Put" | "Post";
}

/** One key (or one version of it) to delete, with its ETag precondition if it had one. */
export interface DeleteEntry {
  key: string;
  versionId?: string;
  condition?: WriteCondition;
  /** x-amz-bypass-governance-retention: honoured for the bucket's owner only. */
  bypassGovernance?: boolean;
}

export interface GetObjectInput {
  bucket: string;
  key: string;
  /** A version other than the current one. */
  versionId?: string;
  range?: string;
  /** Read one part of a multipart object (1-based); part 1 of any other object is the whole of it. */
  partNumber?: number;
  conditions?: ReadConditions;
  /** The customer's key, for an SSE-C object (and only for one). */
  customerKey?: Uint8Array;
}

export interface ObjectRead {
  record: ObjectRecord;
  /** Set when a Range was honoured. */
  range?: ByteRange;
  /** If-None-Match / If-Modified-Since held: 304, and no data is read. */
  notModified?: boolean;
  /** The data key of an encrypted version, opened with the request's key (SSE-C) or the master key. */
  dataKey?: Buffer | null;
  /** When the bucket's lifecycle rules expire this (current) version, and by which rule. */
  expiration?: Due;
}

/**
 * Stores a whole object's plaintext, encrypted (as part 0) when it is sealed; `size` is the
 * plaintext's, and so is the size answered (SSE-KMS stores more: its chunks' tags).
 */
export async function storeObject(ctx: EngineContext, plain: AsyncIterable<Uint8Array>, sealed: { info: SseInfo; dataKey: Buffer } | undefined, size?: number) {
  if (!sealed) return ctx.storage.write(plain, size);
  let plainSize = 0;
  const counted = async function* () {
    for await (const chunk of plain) {
      plainSize += chunk.length;
      yield chunk;
    }
  };
  const stored = await ctx.storage.write(sealing(sealed.info, counted(), sealed.dataKey, 0), size === undefined ? undefined : storedSize(sealed.info, size));
  return { id: stored.id, size: plainSize };
}

/**
 * What a write of new bytes is encrypted with: the request's choice, else the bucket's default. An
 * SSE-KMS request that does not say whether to use a bucket key follows a KMS default's setting.
 */
export function sseFor(bucket: BucketRecord, requested: SseRequest | undefined): SseRequest | undefined {
  const byDefault = bucket.encryption;
  const bucketKey = byDefault?.algorithm === "aws:kms" && byDefault.bucketKeyEnabled === true;
  if (requested) return requested.type === "SSE-KMS" && requested.bucketKey === undefined ? { ...requested, bucketKey } : requested;
  if (!byDefault) return undefined;
  if (byDefault.algorithm === "AES256") return { type: "SSE-S3" };
  return { type: "SSE-KMS", ...(byDefault.kmsKeyId ? { keyId: byDefault.kmsKeyId } : {}), bucketKey };
}

export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** The bytes of part `n` of an object; null (the whole object) for part 1 of a single-part object. */
function partRange(record: ObjectRecord, n: number): ByteRange | null {
  const sizes = record.partSizes;
  if (!sizes) {
    if (n === 1) return null;
    throw new S3Error("InvalidPartNumber");
  }
  if (n > sizes.length) throw new S3Error("InvalidPartNumber");
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  if (sizes[n - 1] === 0) return null;
  return { start, end: start + sizes[n - 1]! - 1 };
}

export class Objects {
  constructor(
    private readonly ctx: EngineContext,
    private readonly buckets: Buckets,
  ) {}

  async put(requester: Requester, input: PutObjectInput): Promise<ObjectRecord> {
    // Anonymous writes (allowed by a public-read-write bucket) belong to S3's anonymous user.
    assertKey(input.key);
    if (input.contentMd5 !== undefined) assertContentMd5(input.contentMd5);
    if (input.size !== undefined && input.size > MAX_PUT_SIZE) throw new S3Error("EntityTooLarge");
    const bucket = await this.writableBucket(requester, input.bucket);
    const { owner, spec } = objectOwner(bucket, requester ?? ANONYMOUS, input.acl);
    const acl = await resolveAcl(spec, owner, bucket.owner, this.ctx.knownUser);
    const versionId = versionIdFor(bucket);
    const lock = lockFor(bucket, input.lock);
    // Fail a doomed conditional write before its bytes are stored (the store re-checks atomically).
    if (input.condition) await this.precheck(input.bucket, input.key, input.condition);

    const expect: BodyExpectations = {
      contentMd5: input.contentMd5, sha256Hex: input.sha256Hex, checksum: input.checksum, size: input.size, maxSize: MAX_PUT_SIZE,
    };
    const digest: Partial<BodyDigest> = {};
    const sse = sseFor(bucket, input.sse);
    const sealed = sse ? await this.ctx.encryption.seal(sse, input) : undefined;
    const stored = await storeObject(this.ctx, digesting(input.body, expect, digest), sealed, input.size);
    const record: ObjectRecord = {
      bucket: input.bucket,
      key: input.key,
      versionId,
      size: stored.size,
      etag: sealed ? sealedEtag(digest.etag!, sealed.info) : digest.etag!,
      lastModified: Date.now(),
      storageId: stored.id,
      contentType: input.contentType || DEFAULT_CONTENT_TYPE,
      headers: input.headers ?? {},
      userMetadata: input.userMetadata ?? {},
      storageClass: input.storageClass ?? "STANDARD",
      owner,
      acl,
      ...(digest.checksum ? { checksum: digest.checksum } : {}),
      ...(input.tags && Object.keys(input.tags).length > 0 ? { tags: input.tags } : {}),
      ...(sealed ? { sse: sealed.info } : {}),
      ...lock,
    };
    await this.commit(record, input.condition, input.how ?? "Put");
    return record;
  }

  /** Records `record` in metadata, then frees the storage of whatever it replaced. */
  async commit(record: ObjectRecord, condition: WriteCondition | undefined, how: "Put" | "Post" | "Copy"): Promise<void> {
    let write: ObjectWrite;
    try {
      write = await this.ctx.metadata.putObject(record, condition, [objectCreated(record, how)]);
    } catch (err) {
      if (certainlyRefused(err)) await freeStorage(this.ctx, [record.storageId]);
      throw err;
    }
    this.ctx.publish();
    await freeReplaced(this.ctx, write, record);
  }

  private async precheck(bucket: string, key: string, condition: WriteCondition): Promise<void> {
    const current = await this.ctx.metadata.getObject(bucket, key);
    checkCondition(key, current, condition);
  }

  private async writableBucket(requester: Requester, name: string): Promise<BucketRecord> {
    const bucket = await this.buckets.get(name);
    requirePermission(bucket.acl, requester, "WRITE");
    return bucket;
  }

  /** HeadObject: the version after access, conditions and range are checked. */
  async head(requester: Requester, input: GetObjectInput): Promise<ObjectRead> {
    assertKey(input.key);
    const bucket = await this.buckets.get(input.bucket);
    if (input.versionId !== undefined) assertVersionId(input.versionId);
    const found = await this.ctx.metadata.getObject(input.bucket, input.key, input.versionId);
    // Like S3: only a requester who may list the bucket learns that a key does not exist.
    if (!found || found.deleteMarker) requirePermission(bucket.acl, requester, "READ");
    const record = readableVersion(found, input.key, input.versionId);
    requirePermission(record.acl, requester, "READ");
    const dataKey = record.sse || input.customerKey ? await this.ctx.encryption.open(record.sse, input.customerKey) : null;
    if (input.conditions) {
      try {
        checkReadConditions(input.conditions, record.etag, record.lastModified);
      } catch (err) {
        if (err instanceof S3Error && err.code === "NotModified") return { record, notModified: true };
        throw err;
      }
    }
    const range = input.partNumber !== undefined ? partRange(record, input.partNumber) : resolveRange(input.range, record.size);
    // Reads of the current object announce its expiry (x-amz-expiration).
    const expiration = bucket.lifecycle && input.versionId === undefined ? expiryOf(bucket.lifecycle, record, this.ctx.lifecycleDayMs) : undefined;
    return { record, dataKey, ...(range ? { range } : {}), ...(expiration ? { expiration } : {}) };
  }

  /** GetObject: the version with its data (none when not modified). */
  async get(requester: Requester, input: GetObjectInput): Promise<ObjectRead & { data?: StoredData }> {
    // A concurrent overwrite (in a cluster, on another node, where unlink holds do not reach) may free the
    // data between the metadata read and the open: look again while the version keeps changing.
    for (let attempt = 0; ; attempt++) {
      const read = await this.head(requester, input);
      if (read.notModified) return read;
      const data = await this.ctx.storage.read(read.record.storageId, storedRange(read.record, read.range));
      if (data && read.dataKey) return { ...read, data: await decrypted(data, read.record, read.dataKey, read.range) };
      if (data) return { ...read, data };
      const now = await this.ctx.metadata.getObject(input.bucket, input.key, input.versionId);
      if (attempt < 5 && now?.storageId !== read.record.storageId) continue;
      this.ctx.log.error("object data missing from storage", {
        bucket: input.bucket, key: input.key, storageId: read.record.storageId,
      });
      throw new S3Error("InternalError");
    }
  }

  /**
   * DeleteObject. With a version id, that version goes for good; without one, an unversioned bucket
   * loses the object and a versioned (or suspended) one gets a delete marker. `condition` (If-Match) is
   * checked by the store against the current version, atomically with the change.
   */
  async delete(requester: Requester, bucket: string, key: string, entry: Omit<DeleteEntry, "key"> = {}): Promise<DeleteOutcome> {
    assertKey(key);
    const record = await this.writableBucket(requester, bucket);
    return this.deleteIn(requester, record, { key, ...entry });
  }

  private async deleteIn(requester: Requester, bucket: BucketRecord, entry: DeleteEntry): Promise<DeleteOutcome> {
    const { key, versionId, condition } = entry;
    if (versionId !== undefined) assertVersionId(versionId);
    if (versionId === undefined && bucket.versioning !== undefined) {
      const marker = deleteMarker(bucket, key, requester ?? ANONYMOUS);
      const write = await this.ctx.metadata.putObject(marker, condition, [objectDeleted(bucket.name, key, marker.versionId, true)]);
      this.ctx.publish();
      await freeReplaced(this.ctx, write, marker);
      return { versionId: marker.versionId, deleteMarker: true };
    }
    const bypassGovernance = entry.bypassGovernance === true && requester?.id === bucket.owner.id;
    const removed = await this.ctx.metadata.deleteObject(bucket.name, key, {
      ...(versionId !== undefined ? { versionId } : {}), ...(condition ? { condition } : {}), bypassGovernance,
      events: [objectDeleted(bucket.name, key, versionId, false)],
    });
    if (removed) this.ctx.publish();
    if (removed && !removed.deleteMarker) await freeStorage(this.ctx, [removed.storageId]);
    return { ...(versionId !== undefined ? { versionId } : {}), deleteMarker: removed?.deleteMarker === true };
  }

  /**
   * DeleteObjects: each key deleted on its own (under its own condition), all at once, so the store
   * can commit them together; per key, what was done or the error that stopped it.
   */
  /**
   * Refuses an anonymous DeleteObjects the bucket does not open to everyone, before its body is read
   * (S3 answers an anonymous request to a bucket that is not public 403 whatever it asks). An
   * authenticated requester without the permission gets AccessDenied per key instead.
   */
  async assertAnonymousDeleteMany(requester: Requester, bucket: string): Promise<void> {
    if (requester !== null) return;
    if (!allows((await this.buckets.get(bucket)).acl, null, "WRITE")) throw new S3Error("AccessDenied");
  }

  async deleteMany(requester: Requester, bucket: string, entries: readonly DeleteEntry[]): Promise<Array<S3Error | DeleteOutcome>> {
    const record = await this.buckets.get(bucket);
    if (!allows(record.acl, requester, "WRITE")) return entries.map(() => new S3Error("AccessDenied"));
    return Promise.all(entries.map(async (entry): Promise<S3Error | DeleteOutcome> => {
      try {
        assertKey(entry.key);
        return await this.deleteIn(requester, record, entry);
      } catch (err) {
        return toS3Error(err);
      }
    }));
  }
}

// CopyObject: a new object from an existing one, its bytes streamed from storage to storage (never
// held in memory), its metadata copied or replaced, guarded by the x-amz-copy-source-if-* conditions.
import { S3Error } from "../errors.ts";
import type { ChecksumAlgorithm, ObjectRecord, Tags, WriteCondition } from "../metadata/store.ts";
import type { ByteRange, StoredData } from "../storage/backend.ts";
import { objectOwner, requirePermission, resolveAcl, type AclSpec, type Requester } from "./acl.ts";
import { requireOwner, type Buckets } from "./buckets.ts";
import { checkCopyConditions, type ReadConditions } from "./conditions.ts";
import type { EngineContext } from "./context.ts";
import { digesting, type BodyDigest } from "./digest.ts";
import { assertKey } from "./names.ts";
import type { Objects } from "./objects.ts";
import { DEFAULT_CONTENT_TYPE, sseFor, storeObject } from "./objects.ts";
import { decrypted, sealedEtag, storedRange, type SseRequest } from "./sse.ts";
import { lockFor, type LockRequest } from "./object-lock.ts";
import { assertVersionId } from "../metadata/versions.ts";
import { readableVersion, versionIdFor } from "./versioning.ts";

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface CopyObjectInput {
  source: CopySource;
  bucket: string;
  key: string;
  /** REPLACE takes content type, headers and user metadata from the request; COPY keeps the source's. */
  metadataDirective: "COPY" | "REPLACE";
  contentType?: string;
  headers?: Record<string, string>;
  userMetadata?: Record<string, string>;
  storageClass?: string;
  acl?: AclSpec;
  conditions?: ReadConditions;
  condition?: WriteCondition;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** x-amz-tagging-directive REPLACE: these tags (none if absent); COPY (the default): the source's. */
  replaceTags?: Tags;
  /** The new object's encryption (absent: the bucket's default; an SSE-C source's is not carried over). */
  sse?: SseRequest;
  /** The source's customer key, when the source is SSE-C. */
  sourceCustomerKey?: Uint8Array;
  /** The new version's Object Lock settings (the source's are not copied, as in S3). */
  lock?: LockRequest;
}

/** Any stored data as a byte stream. */
export function dataStream(data: StoredData): AsyncIterable<Uint8Array> {
  return data instanceof Blob ? data.stream() : data.stream;
}

/** A copy's source data was freed under it (its version replaced or deleted): the copy reads the source again. */
class SourceGone extends Error {}

export class Copier {
  constructor(
    private readonly ctx: EngineContext,
    private readonly buckets: Buckets,
    private readonly objects: Objects,
  ) {}

  /** The source's plaintext (a range of it, or all), decrypted with `dataKey` when it is encrypted. */
  async sourceData(src: ObjectRecord, dataKey: Buffer | null, range?: ByteRange): Promise<StoredData> {
    const data = await this.ctx.storage.read(src.storageId, storedRange(src, range));
    if (!data) {
      // Freed since its record was read (a concurrent overwrite or delete; in a cluster, on another node).
      const now = await this.ctx.metadata.getObject(src.bucket, src.key, src.versionId);
      if (now?.storageId !== src.storageId) throw new SourceGone();
      this.ctx.log.error("object data missing from storage", { bucket: src.bucket, key: src.key, storageId: src.storageId });
      throw new S3Error("InternalError");
    }
    return dataKey ? decrypted(data, src, dataKey, range) : data;
  }

  /** The source object of a copy, after existence, access and x-amz-copy-source-if-* checks. */
  async source(requester: Requester, source: CopySource, conditions?: ReadConditions): Promise<ObjectRecord> {
    assertKey(source.key);
    if (source.versionId !== undefined) assertVersionId(source.versionId);
    await this.buckets.get(source.bucket);
    const found = await this.ctx.metadata.getObject(source.bucket, source.key, source.versionId);
    if (found?.deleteMarker && source.versionId !== undefined) {
      throw new S3Error("InvalidRequest", { message: "The source of a copy request may not specifically refer to a delete marker by version id." });
    }
    const record = readableVersion(found, source.key, source.versionId);
    requirePermission(record.acl, requester, "READ");
    if (conditions) checkCopyConditions(conditions, record.etag, record.lastModified);
    return record;
  }

  /** The new version, and the source version it was copied from. */
  async copy(requester: Requester, input: CopyObjectInput): Promise<{ record: ObjectRecord; source: ObjectRecord }> {
    // The source's data may be freed between reading its record and copying its bytes: read it again.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.copyOnce(requester, input);
      } catch (err) {
        if (!(err instanceof SourceGone) || attempt >= 5) throw err instanceof SourceGone ? new S3Error("InternalError", { cause: err }) : err;
      }
    }
  }

  private async copyOnce(requester: Requester, input: CopyObjectInput): Promise<{ record: ObjectRecord; source: ObjectRecord }> {
    const owner = requireOwner(requester);
    assertKey(input.key);
    const src = await this.source(requester, input.source, input.conditions);
    const bucket = await this.buckets.get(input.bucket);
    requirePermission(bucket.acl, requester, "WRITE");
    const lock = lockFor(bucket, input.lock);
    // Onto itself: the same key's current version (an older version copied over the key restores it, as in S3).
    const sameKey = input.source.bucket === input.bucket && input.source.key === input.key;
    const onto = sameKey && (input.source.versionId === undefined || (await this.ctx.metadata.getObject(input.bucket, input.key))?.versionId === src.versionId);
    if (onto && input.metadataDirective === "COPY" && (input.storageClass ?? src.storageClass) === src.storageClass && !input.sse) {
      throw new S3Error("InvalidRequest", {
        message:
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      });
    }
    const sourceKey = await this.ctx.encryption.open(src.sse, input.sourceCustomerKey);
    const placed = objectOwner(bucket, owner, input.acl);
    const acl = await resolveAcl(placed.spec, placed.owner, bucket.owner, this.ctx.knownUser);
    const algorithm = input.checksumAlgorithm ?? src.checksum?.algorithm;
    const digest: Partial<BodyDigest> = {};
    const sse = sseFor(bucket, input.sse);
    const sealed = sse ? await this.ctx.encryption.seal(sse, input) : undefined;
    // Same bytes, same digests: a backend that copies by itself (an upstream server-side copy) does.
    const sameBytes = !src.sse && !sealed && !src.partSizes && algorithm === src.checksum?.algorithm;
    const copied = sameBytes && this.ctx.storage.copy ? await this.ctx.storage.copy(src.storageId, src.size) : null;
    if (copied) {
      digest.etag = src.etag;
      if (src.checksum) digest.checksum = src.checksum;
    }
    const stored = copied ?? await storeObject(this.ctx, digesting(
      dataStream(await this.sourceData(src, sourceKey)), { size: src.size, ...(algorithm ? { checksum: { algorithm } } : {}) }, digest,
    ), sealed, src.size);
    const replace = input.metadataDirective === "REPLACE";
    const record: ObjectRecord = {
      bucket: input.bucket,
      key: input.key,
      versionId: versionIdFor(bucket),
      size: stored.size,
      etag: sealed ? sealedEtag(digest.etag!, sealed.info) : digest.etag!,
      lastModified: Date.now(),
      storageId: stored.id,
      contentType: replace ? input.contentType || DEFAULT_CONTENT_TYPE : src.contentType,
      headers: replace ? (input.headers ?? {}) : src.headers,
      userMetadata: replace ? (input.userMetadata ?? {}) : src.userMetadata,
      storageClass: input.storageClass ?? src.storageClass,
      owner: placed.owner,
      acl,
      ...(digest.checksum ? { checksum: digest.checksum } : {}),
      ...(sealed ? { sse: sealed.info } : {}),
      ...lock,
    };
    const tags = input.replaceTags ?? src.tags;
    if (tags && Object.keys(tags).length > 0) record.tags = tags;
    await this.objects.commit(record, input.condition, "Copy");
    return { record, source: src };
  }
}

// Bucket operations of the engine: create, list, head, locate, delete, with ownership and ACL checks.
import { TtlCache } from "../ttl-cache.ts";
import { bucketNotEmpty, noSuchBucket, S3Error } from "../errors.ts";
import type { BucketEncryption, BucketRecord, CorsRule, Owner, VersioningStatus } from "../metadata/store.ts";
import { requirePermission, resolveAcl, type AclSpec, type Requester } from "./acl.ts";
import type { EngineContext } from "./context.ts";
import { cleanupLeftovers } from "./cleanup.ts";
import { newEvent } from "./events.ts";
import { assertBucketName } from "./names.ts";

export interface CreateBucketInput {
  name: string;
  /** LocationConstraint from the body; "" or undefined means the server's region. */
  locationConstraint?: string;
  /** A canned ACL name or explicit grants; private when absent. */
  acl?: AclSpec;
  /** x-amz-bucket-object-lock-enabled: true — Object Lock on, and with it versioning. */
  objectLock?: boolean;
}

export interface ListBucketsInput {
  prefix?: string;
  maxBuckets?: number;
  /** Exclusive start name (decoded continuation token). */
  after?: string;
}

export interface BucketList {
  buckets: BucketRecord[];
  /** Name of the last bucket returned when more remain. */
  nextAfter?: string;
}

/** Only authenticated requesters own buckets. */
export function requireOwner(requester: Requester): Owner {
  if (!requester) throw new S3Error("AccessDenied");
  return requester;
}

const CACHE_LIMIT = 10_000;
/** How stale a bucket (its ACL, versioning) may be when another node changed it and its event was missed. */
export const CACHE_TTL_MS = 5_000;

export class Buckets {
  /**
   * Every request reads its bucket (and ACL). This engine forgets an entry when it changes one, and
   * engine events (bucket.*) and the TTL cover changes made by another node; stores re-check bucket
   * existence inside their own writes, so a stale hit can only delay a NoSuchBucket, never write into
   * a deleted bucket. Records are shared: never mutate them.
   */
  private readonly cache: TtlCache<string, BucketRecord>;
  /** Bumped by every change, so a lookup that overlapped one does not cache what it read. */
  private generation = 0;

  constructor(private readonly ctx: EngineContext) {
    this.cache = new TtlCache(CACHE_LIMIT, ctx.cacheTtlMs ?? CACHE_TTL_MS, ctx.changes);
  }

  /** The bucket, or NoSuchBucket. */
  async get(name: string): Promise<BucketRecord> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const generation = this.generation;
    const bucket = await this.ctx.metadata.getBucket(name);
    if (!bucket) throw noSuchBucket(name);
    if (generation === this.generation) this.cache.set(name, bucket);
    return bucket;
  }

  /** Drops one cached bucket (after it changed), or all of them. */
  forget(name?: string): void {
    this.generation++;
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  async create(requester: Requester, input: CreateBucketInput): Promise<BucketRecord> {
    const owner = requireOwner(requester);
    assertBucketName(input.name);
    const region = this.checkLocation(input.locationConstraint);
    const acl = await resolveAcl(input.acl ?? "private", owner, owner, this.ctx.knownUser);
    const record: BucketRecord = {
      name: input.name, region, owner, acl, createdAt: Date.now(),
      // Created whole in one step: a lock-enabled bucket is never seen without its lock.
      ...(input.objectLock ? { versioning: "Enabled" as const, objectLock: { enabled: true as const } } : {}),
    };
    if (await this.ctx.metadata.createBucket(record, [newEvent("bucket.created", { bucket: record.name, region })])) {
      this.ctx.publish();
      return record;
    }
    const existing = await this.ctx.metadata.getBucket(input.name);
    if (existing && existing.owner.id === owner.id) {
      // us-east-1 answers a repeated create by the owner with success, every other region with 409.
      if (this.ctx.region === "us-east-1") return existing;
      throw new S3Error("BucketAlreadyOwnedByYou", { detail: { BucketName: input.name } });
    }
    throw new S3Error("BucketAlreadyExists", { detail: { BucketName: input.name } });
  }

  private checkLocation(constraint: string | undefined): string {
    if (constraint === undefined || constraint === "") return this.ctx.region;
    if (constraint === this.ctx.region && constraint !== "us-east-1") return constraint;
    if (constraint === "us-east-1") {
      throw new S3Error("InvalidLocationConstraint", { message: "The specified location-constraint is not valid", detail: { LocationConstraint: constraint } });
    }
    throw new S3Error("IllegalLocationConstraintException", {
      message: `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
    });
  }

  async list(requester: Requester, input: ListBucketsInput = {}): Promise<BucketList> {
    const owner = requireOwner(requester);
    const max = input.maxBuckets ?? 10000;
    const mine = (await this.ctx.metadata.listBuckets()).filter(
      (b) => b.owner.id === owner.id && b.name.startsWith(input.prefix ?? "") && (input.after === undefined || b.name > input.after),
    );
    const buckets = mine.slice(0, max);
    const last = buckets.at(-1);
    return mine.length > max && last ? { buckets, nextAfter: last.name } : { buckets };
  }

  /** HeadBucket / GetBucketLocation: the bucket, if the requester may read it. */
  async head(requester: Requester, name: string): Promise<BucketRecord> {
    const bucket = await this.get(name);
    requirePermission(bucket.acl, requester, "READ");
    return bucket;
  }

  /** The bucket, if the requester owns it (bucket settings are the owner's alone). */
  async owned(requester: Requester, name: string): Promise<BucketRecord> {
    const bucket = await this.get(name);
    if (!requester || requester.id !== bucket.owner.id) throw new S3Error("AccessDenied");
    return bucket;
  }

  async location(requester: Requester, name: string): Promise<string> {
    return (await this.owned(requester, name)).region;
  }

  private async abortUploads(bucket: string): Promise<void> {
    // Only an empty bucket is deleted: leave the uploads of one that is not.
    const nonEmpty = await this.ctx.metadata.listObjectVersions(bucket, { prefix: "", delimiter: "", keyMarker: "", versionIdMarker: "", maxKeys: 1 });
    if (nonEmpty.versions.length > 0) throw bucketNotEmpty(bucket);
    for (;;) {
      const uploads = await this.ctx.metadata.listUploads(bucket, "", { key: "", uploadId: "" }, 100);
      if (uploads.length === 0) return;
      for (const upload of uploads) {
        await this.ctx.metadata.deleteUpload(upload.uploadId, [newEvent("multipart.aborted", { bucket, key: upload.key, uploadId: upload.uploadId })]);
        if (upload.session) await this.ctx.storage.sessions?.abort(upload.session.id, upload.session.storageId);
      }
      this.ctx.publish();
    }
  }

  /** Put/DeleteBucketCors: the rules (already validated), or null for none. */
  async setCors(requester: Requester, name: string, rules: CorsRule[] | null): Promise<void> {
    await this.owned(requester, name);
    this.forget(name);
    await this.ctx.metadata.updateBucket(name, { cors: rules }, [newEvent("bucket.cors.updated", { bucket: name })]);
    this.forget(name);
    this.ctx.publish();
  }

  /** Put/DeleteBucketEncryption: the default encryption of the bucket's new objects. */
  async setEncryption(requester: Requester, name: string, encryption: BucketEncryption | null): Promise<void> {
    await this.owned(requester, name);
    this.forget(name);
    await this.ctx.metadata.updateBucket(name, { encryption }, [newEvent("bucket.encryption.updated", { bucket: name })]);
    this.forget(name);
    this.ctx.publish();
  }

  /** PutBucketVersioning: Enabled or Suspended; a bucket never goes back to unversioned. */
  async setVersioning(requester: Requester, name: string, status: VersioningStatus): Promise<void> {
    const bucket = await this.owned(requester, name);
    if (bucket.objectLock && status !== "Enabled") {
      throw new S3Error("InvalidBucketState", { message: "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed." });
    }
    this.forget(name);
    const done = await this.ctx.metadata.updateBucket(name, { versioning: status }, [newEvent("bucket.versioning.updated", { bucket: name, status })]);
    this.ctx.publish();
    this.forget(name);
    if (!done) throw noSuchBucket(name);
  }

  async delete(requester: Requester, name: string): Promise<void> {
    await this.owned(requester, name);
    // Unfinished uploads go first, each in a step of its own (S3 drops them with the bucket); one
    // begun meanwhile goes with the bucket record or is reaped at its time limit.
    await this.abortUploads(name);
    this.forget(name);
    const deleted = await this.ctx.metadata.deleteBucket(name, [newEvent("bucket.deleted", { bucket: name })]);
    this.forget(name);
    if (!deleted) throw noSuchBucket(name);
    this.ctx.publish();
    await cleanupLeftovers(this.ctx);
  }
}

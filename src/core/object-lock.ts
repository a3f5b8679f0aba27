// Object Lock: a bucket's configuration (enabled once, never disabled; versioning stays Enabled) and
// each version's retention and legal hold. What a version may not lose is enforced by the metadata
// store in the same atomic unit as the delete or change it guards (metadata/condition.ts); this file
// decides what a request asks for and applies the bucket's default retention.
import { S3Error } from "../errors.ts";
import type { BucketRecord, ObjectLockConfig, ObjectRecord, Retention, RetentionMode } from "../metadata/store.ts";
import { assertVersionId } from "../metadata/versions.ts";
import { requirePermission, type Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";
import { assertKey } from "./names.ts";
import { readableVersion } from "./versioning.ts";

const DAY_MS = 24 * 3600 * 1000;

/** The lock settings a write asks for (x-amz-object-lock-* headers), not yet checked against the bucket. */
export interface LockRequest {
  mode?: RetentionMode;
  until?: number;
  legalHold?: boolean;
}

export const missingLockConfiguration = () => new S3Error("InvalidRequest", { message: "Bucket is missing Object Lock Configuration" });

/** A retention must end in the future. */
export function assertFuture(until: number, now = Date.now()): void {
  if (!(until > now)) throw new S3Error("InvalidArgument", { message: "The retain until date must be in the future!" });
}

/**
 * What a new version of `bucket` gets: the request's retention and legal hold, else the bucket's
 * default retention. Lock settings on a bucket without Object Lock are refused, as in S3.
 */
export function lockFor(bucket: BucketRecord, request: LockRequest | undefined, now = Date.now()): Pick<ObjectRecord, "retention" | "legalHold"> {
  const asked = request && (request.mode !== undefined || request.until !== undefined || request.legalHold !== undefined);
  if (!bucket.objectLock) {
    if (asked) throw missingLockConfiguration();
    return {};
  }
  const out: Pick<ObjectRecord, "retention" | "legalHold"> = {};
  if (request?.mode !== undefined && request.until !== undefined) {
    assertFuture(request.until, now);
    out.retention = { mode: request.mode, until: request.until };
  } else {
    const d = bucket.objectLock.defaultRetention;
    if (d) out.retention = { mode: d.mode, until: now + (d.days ?? 0) * DAY_MS + (d.years ?? 0) * 365 * DAY_MS };
  }
  if (request?.legalHold) out.legalHold = true;
  return out;
}

export class ObjectLock {
  constructor(
    private readonly ctx: EngineContext,
    private readonly buckets: Buckets,
  ) {}

  /** PutObjectLockConfiguration: enable (on a versioning-Enabled bucket) and set the default retention. */
  async configure(requester: Requester, name: string, config: ObjectLockConfig): Promise<void> {
    const bucket = await this.buckets.owned(requester, name);
    if (!bucket.objectLock && bucket.versioning !== "Enabled") {
      throw new S3Error("InvalidBucketState", { message: "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration" });
    }
    this.buckets.forget(name);
    await this.ctx.metadata.updateBucket(name, { objectLock: config }, [newEvent("bucket.object-lock.updated", { bucket: name })]);
    this.buckets.forget(name);
    this.ctx.publish();
  }

  async configuration(requester: Requester, name: string): Promise<ObjectLockConfig> {
    const bucket = await this.buckets.owned(requester, name);
    if (!bucket.objectLock) throw new S3Error("ObjectLockConfigurationNotFoundError", { detail: { BucketName: name } });
    return bucket.objectLock;
  }

  /** The version (current without versionId) of a lock-enabled bucket, after access checks. */
  private async version(requester: Requester, bucket: string, key: string, versionId: string | undefined, write: boolean): Promise<ObjectRecord> {
    assertKey(key);
    if (versionId !== undefined) assertVersionId(versionId);
    const b = await this.buckets.get(bucket);
    if (write) requirePermission(b.acl, requester, "WRITE");
    if (!b.objectLock) throw missingLockConfiguration();
    const record = readableVersion(await this.ctx.metadata.getObject(bucket, key, versionId), key, versionId);
    if (!write) requirePermission(record.acl, requester, "READ");
    return record;
  }

  async retention(requester: Requester, bucket: string, key: string, versionId?: string): Promise<Retention> {
    const record = await this.version(requester, bucket, key, versionId, false);
    if (!record.retention) throw new S3Error("NoSuchObjectLockConfiguration");
    return record.retention;
  }

  /** PutObjectRetention; the store refuses shortening COMPLIANCE, or GOVERNANCE without the bypass. */
  async setRetention(
    requester: Requester, bucket: string, key: string, versionId: string | undefined, retention: Retention | null, bypass: boolean,
  ): Promise<void> {
    const record = await this.version(requester, bucket, key, versionId, true);
    if (retention) assertFuture(retention.until);
    const owner = (await this.buckets.get(bucket)).owner.id;
    await this.ctx.metadata.updateObject(bucket, key, record.versionId, { retention, bypassGovernance: bypass && requester?.id === owner }, [
      newEvent("object.retention.updated", { bucket, key, versionId: record.versionId }),
    ]);
    this.ctx.publish();
  }

  async legalHold(requester: Requester, bucket: string, key: string, versionId?: string): Promise<boolean> {
    const record = await this.version(requester, bucket, key, versionId, false);
    if (record.legalHold === undefined) throw new S3Error("NoSuchObjectLockConfiguration");
    return record.legalHold;
  }

  async setLegalHold(requester: Requester, bucket: string, key: string, versionId: string | undefined, on: boolean): Promise<void> {
    const record = await this.version(requester, bucket, key, versionId, true);
    await this.ctx.metadata.updateObject(bucket, key, record.versionId, { legalHold: on }, [
      newEvent("object.legal-hold.updated", { bucket, key, versionId: record.versionId }),
    ]);
    this.ctx.publish();
  }
}

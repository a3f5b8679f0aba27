// Get/Put ACL on buckets and objects: READ_ACP to read an ACL, WRITE_ACP to replace it (the owner
// always may). The resource keeps its owner; only the grants change.
import { assertVersionId } from "../metadata/versions.ts";
import { readableVersion } from "./versioning.ts";
import { newEvent } from "./events.ts";
import { noSuchKey } from "../errors.ts";
import type { Acl } from "../metadata/store.ts";
import { requirePermission, resolveAcl, type AclSpec, type Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { assertKey } from "./names.ts";

export class Acls {
  constructor(
    private readonly ctx: EngineContext,
    private readonly buckets: Buckets,
  ) {}

  async getBucketAcl(requester: Requester, name: string): Promise<Acl> {
    const bucket = await this.buckets.get(name);
    requirePermission(bucket.acl, requester, "READ_ACP");
    return bucket.acl;
  }

  /** `spec` is read only once the requester may change the ACL: a refused request is refused before its body is parsed. */
  async putBucketAcl(requester: Requester, name: string, spec: () => Promise<AclSpec>): Promise<void> {
    const bucket = await this.buckets.get(name);
    requirePermission(bucket.acl, requester, "WRITE_ACP");
    const acl = await resolveAcl(await spec(), bucket.owner, bucket.owner, this.ctx.knownUser);
    await this.ctx.metadata.updateBucket(name, { acl }, [newEvent("bucket.acl.updated", { bucket: name })]);
    this.ctx.publish();
    this.buckets.forget(name);
  }

  private async object(bucket: string, key: string, versionId: string | undefined) {
    assertKey(key);
    if (versionId !== undefined) assertVersionId(versionId);
    await this.buckets.get(bucket);
    return readableVersion(await this.ctx.metadata.getObject(bucket, key, versionId), key, versionId);
  }

  async getObjectAcl(requester: Requester, bucket: string, key: string, versionId?: string): Promise<Acl> {
    const record = await this.object(bucket, key, versionId);
    requirePermission(record.acl, requester, "READ_ACP");
    return record.acl;
  }

  async putObjectAcl(requester: Requester, bucket: string, key: string, spec: () => Promise<AclSpec>, versionId?: string): Promise<void> {
    const record = await this.object(bucket, key, versionId);
    requirePermission(record.acl, requester, "WRITE_ACP");
    const bucketRecord = await this.buckets.get(bucket);
    const acl = await resolveAcl(await spec(), record.owner, bucketRecord.owner, this.ctx.knownUser);
    const event = newEvent("object.acl.updated", { bucket, key, versionId: record.versionId });
    if (!(await this.ctx.metadata.updateObject(bucket, key, versionId, { acl }, [event]))) throw noSuchKey(key);
    this.ctx.publish();
  }
}

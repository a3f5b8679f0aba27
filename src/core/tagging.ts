// Object and bucket tags: S3's limits and errors, and the engine's tagging operations. Object tags
// are per version, set with the object (x-amz-tagging on PUT, CreateMultipartUpload, CopyObject) or
// replaced later; bucket tags are the owner's.
import { noSuchKey, S3Error } from "../errors.ts";
import type { Tags } from "../metadata/store.ts";
import { assertVersionId } from "../metadata/versions.ts";
import { requirePermission, type Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";
import { assertKey } from "./names.ts";
import { readableVersion } from "./versioning.ts";

export const MAX_OBJECT_TAGS = 10;
export const MAX_BUCKET_TAGS = 50;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_CHARS = 256;
// Letters, digits and spaces in any script, and + - = . _ : / @ (AWS's tag character set).
const TAG_TEXT = /^[\p{L}\p{N}\p{Zs}+\-=._:/@]*$/u;

const invalidTag = (message: string) => new S3Error("InvalidTag", { message });
const chars = (s: string) => [...s].length;

/** Tags from key/value pairs in the order given, after S3's checks. */
export function validTags(pairs: ReadonlyArray<readonly [string, string]>, max: number): Tags {
  if (pairs.length > max) {
    throw new S3Error("BadRequest", { message: `${max === MAX_OBJECT_TAGS ? "Object" : "Bucket"} tags cannot be greater than ${max}` });
  }
  const tags: Tags = {};
  for (const [key, value] of pairs) {
    if (key === "" || chars(key) > MAX_KEY_CHARS || !TAG_TEXT.test(key)) throw invalidTag("The TagKey you have provided is invalid");
    if (chars(value) > MAX_VALUE_CHARS || !TAG_TEXT.test(value)) throw invalidTag("The TagValue you have provided is invalid");
    if (key.toLowerCase().startsWith("aws:")) throw invalidTag("Your TagKey cannot be prefixed with aws:");
    if (Object.hasOwn(tags, key)) throw invalidTag("Cannot provide multiple Tags with the same key");
    tags[key] = value;
  }
  return tags;
}

/** x-amz-tagging: tags as a URL-encoded query string ("k1=v1&k2=v2"). */
export function tagsFromHeader(value: string): Tags {
  let pairs: Array<[string, string]>;
  try {
    pairs = [...new URLSearchParams(value)];
  } catch {
    throw invalidTag("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
  }
  return validTags(pairs, MAX_OBJECT_TAGS);
}

export class Tagging {
  constructor(private readonly ctx: EngineContext, private readonly buckets: Buckets) {}

  private async version(requester: Requester, bucket: string, key: string, versionId: string | undefined, permission: "read" | "write") {
    assertKey(key);
    if (versionId !== undefined) assertVersionId(versionId);
    const record = await this.buckets.get(bucket);
    if (permission === "write") requirePermission(record.acl, requester, "WRITE");
    const found = await this.ctx.metadata.getObject(bucket, key, versionId);
    if (!found || found.deleteMarker) requirePermission(record.acl, requester, "READ");
    const version = readableVersion(found, key, versionId);
    if (permission === "read") requirePermission(version.acl, requester, "READ");
    return version;
  }

  async getObjectTags(requester: Requester, bucket: string, key: string, versionId?: string): Promise<{ tags: Tags; versionId: string }> {
    const version = await this.version(requester, bucket, key, versionId, "read");
    return { tags: version.tags ?? {}, versionId: version.versionId };
  }

  /** Replaces (tags) or removes (null) a version's tags; returns the version id. */
  async setObjectTags(requester: Requester, bucket: string, key: string, versionId: string | undefined, tags: Tags | null): Promise<string> {
    const version = await this.version(requester, bucket, key, versionId, "write");
    const event = newEvent("object.tagging.updated", { bucket, key, versionId: version.versionId, removed: tags === null });
    if (!(await this.ctx.metadata.updateObject(bucket, key, version.versionId, { tags }, [event]))) throw noSuchKey(key);
    this.ctx.publish();
    return version.versionId;
  }

  async getBucketTags(requester: Requester, name: string): Promise<Tags> {
    const bucket = await this.buckets.owned(requester, name);
    if (!bucket.tags || Object.keys(bucket.tags).length === 0) throw new S3Error("NoSuchTagSet", { detail: { BucketName: name } });
    return bucket.tags;
  }

  async setBucketTags(requester: Requester, name: string, tags: Tags | null): Promise<void> {
    await this.buckets.owned(requester, name);
    this.buckets.forget(name);
    await this.ctx.metadata.updateBucket(name, { tags }, [newEvent("bucket.tagging.updated", { bucket: name })]);
    this.buckets.forget(name);
    this.ctx.publish();
  }
}

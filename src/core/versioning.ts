// S3 versioning rules of the engine: which version id a new write gets, what a delete writes in a
// versioned bucket, how a delete marker answers a read, and freeing what a write replaced.
import { noSuchKey, S3Error } from "../errors.ts";
import { NULL_VERSION, type BucketRecord, type ObjectRecord, type ObjectWrite, type Owner } from "../metadata/store.ts";
import { assertVersionId, newVersionId } from "../metadata/versions.ts";
import { freeStorage, type EngineContext } from "./context.ts";

/** The version id a write into `bucket` gets: a new one while versioning is Enabled, else the null version. */
export function versionIdFor(bucket: BucketRecord): string {
  return bucket.versioning === "Enabled" ? newVersionId() : NULL_VERSION;
}

/** The delete marker a DELETE without versionId writes into a versioned (or suspended) bucket. */
export function deleteMarker(bucket: BucketRecord, key: string, owner: Owner): ObjectRecord {
  return {
    bucket: bucket.name, key, versionId: versionIdFor(bucket), deleteMarker: true, size: 0, etag: "", lastModified: Date.now(),
    storageId: "", contentType: "", headers: {}, userMetadata: {}, storageClass: "STANDARD", owner,
    acl: { owner, grants: [] },
  };
}

/** Frees the data of versions a write removed (never the data the write itself points at). */
export async function freeReplaced(ctx: EngineContext, write: ObjectWrite, kept: ObjectRecord): Promise<void> {
  const ids = write.freed.filter((f) => !f.deleteMarker && f.storageId !== kept.storageId).map((f) => f.storageId);
  if (ids.length > 0) await freeStorage(ctx, ids);
}

/**
 * The version a read names, or S3's error: NoSuchKey / NoSuchVersion when absent; a delete marker is
 * 404 NoSuchKey when it is the current version and 405 MethodNotAllowed when named by version id,
 * both with x-amz-delete-marker.
 */
export function readableVersion(record: ObjectRecord | null, key: string, versionId: string | undefined): ObjectRecord {
  if (!record) {
    if (versionId === undefined) throw noSuchKey(key);
    assertVersionId(versionId);
    throw new S3Error("NoSuchVersion", { detail: { Key: key, VersionId: versionId } });
  }
  if (!record.deleteMarker) return record;
  const headers = { "x-amz-delete-marker": "true", "x-amz-version-id": record.versionId };
  if (versionId === undefined) throw new S3Error("NoSuchKey", { detail: { Key: key }, headers });
  throw new S3Error("MethodNotAllowed", {
    message: "The specified method is not allowed against this resource.",
    headers: { ...headers, "last-modified": new Date(record.lastModified).toUTCString() },
  });
}

/** What a delete did, for the response headers. */
export interface DeleteOutcome {
  versionId?: string;
  deleteMarker: boolean;
}

// Listing objects: the access check and argument rules shared by ListObjects, ListObjectsV2 and
// ListObjectVersions. The page itself comes from the metadata engine's index.
import { invalidArgument } from "../errors.ts";
import type { ListPage, VersionPage } from "../metadata/store.ts";
import { requirePermission, type Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";

export const MAX_LIST_KEYS = 1000;

export interface ListObjectsInput {
  bucket: string;
  prefix?: string;
  delimiter?: string;
  /** Exclusive start (marker, start-after, or the decoded continuation token). */
  after?: string;
  maxKeys?: number;
}

/** max-keys as S3 reads it: a non-negative integer, capped at 1000. */
export function parseMaxKeys(value: string | null, name = "max-keys"): number {
  if (value === null) return MAX_LIST_KEYS;
  if (!/^\d+$/.test(value.trim())) throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Number(value.trim()), MAX_LIST_KEYS);
}

export class Listing {
  constructor(
    private readonly ctx: EngineContext,
    private readonly buckets: Buckets,
  ) {}

  async list(requester: Requester, input: ListObjectsInput): Promise<ListPage> {
    const bucket = await this.buckets.get(input.bucket);
    requirePermission(bucket.acl, requester, "READ");
    return this.ctx.metadata.listObjects(input.bucket, {
      prefix: input.prefix ?? "",
      delimiter: input.delimiter ?? "",
      after: input.after ?? "",
      maxKeys: input.maxKeys ?? MAX_LIST_KEYS,
    });
  }

  /** ListObjectVersions: every version and delete marker, by key, newest first within a key. */
  async listVersions(requester: Requester, input: ListObjectsInput & { versionIdMarker?: string }): Promise<VersionPage> {
    const bucket = await this.buckets.get(input.bucket);
    requirePermission(bucket.acl, requester, "READ");
    if (input.versionIdMarker && !input.after) {
      throw invalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", input.versionIdMarker);
    }
    return this.ctx.metadata.listObjectVersions(input.bucket, {
      prefix: input.prefix ?? "",
      delimiter: input.delimiter ?? "",
      keyMarker: input.after ?? "",
      versionIdMarker: input.versionIdMarker ?? "",
      maxKeys: input.maxKeys ?? MAX_LIST_KEYS,
    });
  }
}

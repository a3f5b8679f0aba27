// The BleepStore family's metadata export format (SPEC §12): one record shape per table, shared byte
// for byte with the Python, Go, Rust and Zig editions. What this edition holds beyond those fields
// (version ids, storage ids, checksums, tags, other stored headers) goes under each record's `extra`
// key, which other editions ignore, so a round trip between two BleepStores loses nothing.
import { S3Error } from "../errors.ts";
import { newStorageId } from "../storage/backend.ts";
import {
  NULL_VERSION, type Acl, type BucketRecord, type Credential, type ObjectRecord, type Owner, type PartRecord, type UploadRecord,
} from "../metadata/store.ts";

export const EXPORT_VERSION = 1;
export const EXPORT_SCHEMA_VERSION = 1;
/** The tables in import order (parents first). */
export const TABLES = ["buckets", "objects", "multipart_uploads", "multipart_parts", "credentials"] as const;
export type Table = (typeof TABLES)[number];
export const REDACTED = "REDACTED";

/** "buckets,objects" → the tables, each checked; throws naming an unknown one. */
export function parseTables(list: string): Table[] {
  const names = list.split(",").map((n) => n.trim()).filter(Boolean);
  for (const n of names) {
    if (!(TABLES as readonly string[]).includes(n)) throw new S3Error("InvalidArgument", { message: `unknown table "${n}" (tables: ${TABLES.join(", ")})` });
  }
  return names as Table[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type FamilyRecord = Record<string, Json>;

/** The five content headers the family format names; anything else we store goes in `extra`. */
const FAMILY_HEADERS = ["content-encoding", "content-language", "content-disposition", "cache-control", "expires"] as const;

const iso = (ms: number): string => new Date(ms).toISOString();
function ms(value: Json | undefined, fallback = Date.now()): number {
  const t = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? t : fallback;
}
const str = (value: Json | undefined, fallback = ""): string => (typeof value === "string" ? value : fallback);
const num = (value: Json | undefined): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const obj = (value: Json | undefined): Record<string, Json> =>
  (value !== null && typeof value === "object" && !Array.isArray(value) ? value : {});
const quoted = (etag: string) => (etag ? `"${etag}"` : "");
const unquoted = (etag: string) => etag.replace(/^"|"$/g, "");

/** Sorted keys at every level, as the family writes them. */
export function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k]!)]));
}

/** The file as every edition writes it: sorted keys, 2-space indent, one trailing newline. */
export const renderExport = (doc: FamilyRecord): string => `${JSON.stringify(sortKeys(doc), null, 2)}\n`;

const aclJson = (acl: Acl): Json => JSON.parse(JSON.stringify(acl)) as Json;
function aclFrom(value: Json | undefined, owner: Owner): Acl {
  const acl = obj(value);
  if (isTree(acl.owner) && Array.isArray(acl.grants)) return acl as unknown as Acl;
  return { owner, grants: [{ grantee: { type: "CanonicalUser", id: owner.id, displayName: owner.displayName }, permission: "FULL_CONTROL" }] };
}
const isTree = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function contentFields(contentType: string, headers: Record<string, string>, userMetadata: Record<string, string>, storageClass: string) {
  const fields: FamilyRecord = { content_type: contentType || null, storage_class: storageClass };
  for (const h of FAMILY_HEADERS) fields[h.replace("-", "_")] = headers[h] ?? null;
  fields.user_metadata = Object.fromEntries(Object.entries(userMetadata).map(([k, v]) => [`x-amz-meta-${k}`, v]));
  return fields;
}
function otherHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([h]) => !(FAMILY_HEADERS as readonly string[]).includes(h)));
}
function contentFrom(r: FamilyRecord, extra: Record<string, Json>) {
  const headers: Record<string, string> = { ...(obj(extra.headers) as Record<string, string>) };
  for (const h of FAMILY_HEADERS) {
    const v = r[h.replace("-", "_")];
    if (typeof v === "string") headers[h] = v;
  }
  const userMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(r.user_metadata))) {
    if (typeof v === "string") userMetadata[k.toLowerCase().replace(/^x-amz-meta-/, "")] = v;
  }
  return { contentType: str(r.content_type), headers, userMetadata, storageClass: str(r.storage_class, "STANDARD") };
}
/** Drops undefined values, so `extra` holds only what a record has. */
const defined = (o: Record<string, unknown>): Record<string, Json> =>
  JSON.parse(JSON.stringify(o)) as Record<string, Json>;

export function bucketOut(b: BucketRecord): FamilyRecord {
  return {
    name: b.name, region: b.region, owner_id: b.owner.id, owner_display: b.owner.displayName, acl: aclJson(b.acl),
    created_at: iso(b.createdAt), extra: defined({
      versioning: b.versioning, tags: b.tags, cors: b.cors, encryption: b.encryption, object_lock: b.objectLock, notification: b.notification, policy: b.policy,
      public_access_block: b.publicAccessBlock, ownership: b.ownership, lifecycle: b.lifecycle, logging: b.logging,
    }),
  };
}
export function bucketIn(r: FamilyRecord): BucketRecord {
  const owner = { id: str(r.owner_id), displayName: str(r.owner_display) };
  const extra = obj(r.extra);
  return {
    name: str(r.name), region: str(r.region, "us-east-1"), owner, acl: aclFrom(r.acl, owner), createdAt: ms(r.created_at),
    ...(extra.versioning === "Enabled" || extra.versioning === "Suspended" ? { versioning: extra.versioning } : {}),
    ...(isTree(extra.tags) ? { tags: extra.tags as Record<string, string> } : {}),
    ...(Array.isArray(extra.cors) ? { cors: extra.cors as unknown as BucketRecord["cors"] } : {}),
    ...(isTree(extra.encryption) ? { encryption: extra.encryption as unknown as BucketRecord["encryption"] } : {}),
    ...(isTree(extra.object_lock) ? { objectLock: extra.object_lock as unknown as BucketRecord["objectLock"] } : {}),
    ...(Array.isArray(extra.notification) ? { notification: extra.notification as unknown as BucketRecord["notification"] } : {}),
    ...(typeof extra.policy === "string" ? { policy: extra.policy } : {}),
    ...(isTree(extra.public_access_block) ? { publicAccessBlock: extra.public_access_block as unknown as BucketRecord["publicAccessBlock"] } : {}),
    ...(typeof extra.ownership === "string" ? { ownership: extra.ownership as BucketRecord["ownership"] } : {}),
    ...(Array.isArray(extra.lifecycle) ? { lifecycle: extra.lifecycle as unknown as BucketRecord["lifecycle"] } : {}),
    ...(isTree(extra.logging) ? { logging: extra.logging as unknown as BucketRecord["logging"] } : {}),
  };
}

export function objectOut(o: ObjectRecord): FamilyRecord {
  return {
    bucket: o.bucket, key: o.key, size: o.size, etag: quoted(o.etag),
    ...contentFields(o.contentType, o.headers, o.userMetadata, o.storageClass),
    acl: aclJson(o.acl), last_modified: iso(o.lastModified), delete_marker: o.deleteMarker === true,
    extra: defined({
      version_id: o.versionId, storage_id: o.storageId, owner_id: o.owner.id, owner_display: o.owner.displayName,
      checksum: o.checksum, part_sizes: o.partSizes, tags: o.tags, sse: o.sse, retention: o.retention, legal_hold: o.legalHold, headers: Object.keys(otherHeaders(o.headers)).length ? otherHeaders(o.headers) : undefined,
    }),
  };
}
/** An object record; the owner defaults to the bucket's where the family format has none. */
export function objectIn(r: FamilyRecord, bucketOwner: Owner): ObjectRecord {
  const extra = obj(r.extra);
  const owner = typeof extra.owner_id === "string" ? { id: extra.owner_id, displayName: str(extra.owner_display) } : bucketOwner;
  const deleteMarker = r.delete_marker === true;
  return {
    bucket: str(r.bucket), key: str(r.key), versionId: str(extra.version_id, NULL_VERSION),
    ...(deleteMarker ? { deleteMarker } : {}),
    size: deleteMarker ? 0 : num(r.size), etag: unquoted(str(r.etag)), lastModified: ms(r.last_modified),
    // An object from another edition has no storage id of ours: a fresh one, whose bytes are not here.
    storageId: deleteMarker ? "" : str(extra.storage_id) || newStorageId(),
    ...contentFrom(r, extra), owner, acl: aclFrom(r.acl, owner),
    ...(isTree(extra.checksum) ? { checksum: extra.checksum as unknown as ObjectRecord["checksum"] } : {}),
    ...(Array.isArray(extra.part_sizes) ? { partSizes: extra.part_sizes as number[] } : {}),
    ...(isTree(extra.tags) ? { tags: extra.tags as Record<string, string> } : {}),
    ...(isTree(extra.sse) ? { sse: extra.sse as unknown as ObjectRecord["sse"] } : {}),
    ...lockIn(extra),
  };
}

/** Object Lock fields kept under `extra`. */
function lockIn(extra: Record<string, Json>): Pick<ObjectRecord, "retention" | "legalHold"> {
  return {
    ...(isTree(extra.retention) ? { retention: extra.retention as unknown as ObjectRecord["retention"] } : {}),
    ...(typeof extra.legal_hold === "boolean" ? { legalHold: extra.legal_hold } : {}),
  };
}

export function uploadOut(u: UploadRecord): FamilyRecord {
  return {
    upload_id: u.uploadId, bucket: u.bucket, key: u.key,
    ...contentFields(u.contentType, u.headers, u.userMetadata, u.storageClass),
    acl: aclJson(u.acl), owner_id: u.owner.id, owner_display: u.owner.displayName, initiated_at: iso(u.initiated),
    extra: defined({
      checksum_algorithm: u.checksumAlgorithm, checksum_type: u.checksumType, session: u.session, tags: u.tags, sse: u.sse,
      retention: u.retention, legal_hold: u.legalHold,
      headers: Object.keys(otherHeaders(u.headers)).length ? otherHeaders(u.headers) : undefined,
    }),
  };
}
export function uploadIn(r: FamilyRecord): UploadRecord {
  const extra = obj(r.extra);
  const owner = { id: str(r.owner_id), displayName: str(r.owner_display) };
  return {
    uploadId: str(r.upload_id), bucket: str(r.bucket), key: str(r.key), initiated: ms(r.initiated_at), owner,
    ...contentFrom(r, extra), acl: aclFrom(r.acl, owner),
    ...(typeof extra.checksum_algorithm === "string" ? { checksumAlgorithm: extra.checksum_algorithm as UploadRecord["checksumAlgorithm"] } : {}),
    ...(typeof extra.checksum_type === "string" ? { checksumType: extra.checksum_type as UploadRecord["checksumType"] } : {}),
    ...(isTree(extra.session) ? { session: extra.session as unknown as UploadRecord["session"] } : {}),
    ...(isTree(extra.tags) ? { tags: extra.tags as Record<string, string> } : {}),
    ...(isTree(extra.sse) ? { sse: extra.sse as unknown as UploadRecord["sse"] } : {}),
    ...lockIn(extra),
  };
}

export function partOut(p: PartRecord): FamilyRecord {
  return {
    upload_id: p.uploadId, part_number: p.partNumber, size: p.size, etag: quoted(p.etag), last_modified: iso(p.lastModified),
    extra: defined({ storage_id: p.storageId, token: p.token, checksum: p.checksum }),
  };
}
export function partIn(r: FamilyRecord): PartRecord {
  const extra = obj(r.extra);
  return {
    uploadId: str(r.upload_id), partNumber: num(r.part_number), size: num(r.size), etag: unquoted(str(r.etag)),
    storageId: typeof extra.storage_id === "string" ? extra.storage_id : newStorageId(), lastModified: ms(r.last_modified),
    ...(typeof extra.token === "string" ? { token: extra.token } : {}),
    ...(typeof extra.checksum === "string" ? { checksum: extra.checksum } : {}),
  };
}

export function credentialOut(c: Credential, withSecret: boolean): FamilyRecord {
  return {
    access_key_id: c.accessKey, secret_key: withSecret ? c.secretKey : REDACTED, owner_id: c.owner.id,
    display_name: c.owner.displayName, active: !c.disabled, created_at: iso(c.createdAt),
    ...(c.policy !== undefined ? { extra: { policy: c.policy } } : {}),
  };
}
export function credentialIn(r: FamilyRecord): Credential {
  return {
    accessKey: str(r.access_key_id), secretKey: str(r.secret_key),
    owner: { id: str(r.owner_id), displayName: str(r.display_name) }, createdAt: ms(r.created_at),
    ...(typeof obj(r.extra).policy === "string" ? { policy: obj(r.extra).policy as string } : {}),
    ...(r.active === false ? { disabled: true } : {}),
  };
}

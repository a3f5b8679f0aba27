// The SQLite engine's schema: numbered migrations (user_version counts how many ran), and the rows of
// the credentials and buckets tables with their conversions. Objects, versions, uploads and the outbox
// keep their tables and rows in files of their own.
import { VERSION_TABLES } from "./sqlite-objects.ts";
import { OUTBOX_TABLE } from "./sqlite-outbox.ts";
import { RECORDS_TABLE } from "./sqlite-records.ts";
import { UPLOAD_SESSIONS, UPLOAD_TABLES } from "./sqlite-uploads.ts";
import type {
  Acl, BucketEncryption, BucketLogging, BucketRecord, ObjectLockConfig, CorsRule, NotificationRule, Credential, LifecycleRule, ObjectOwnership, PublicAccessBlock, Tags, VersioningStatus,
} from "./store.ts";

export const MIGRATIONS: string[] = [
  `CREATE TABLE credentials (
     access_key TEXT PRIMARY KEY, secret_key TEXT NOT NULL, owner_id TEXT NOT NULL,
     owner_name TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE buckets (
     name TEXT PRIMARY KEY, region TEXT NOT NULL, owner_id TEXT NOT NULL, owner_name TEXT NOT NULL,
     acl TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE objects (
     bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
     last_modified INTEGER NOT NULL, storage_id TEXT NOT NULL, content_type TEXT NOT NULL,
     headers TEXT NOT NULL, user_metadata TEXT NOT NULL, storage_class TEXT NOT NULL,
     owner_id TEXT NOT NULL, owner_name TEXT NOT NULL, acl TEXT NOT NULL, checksum TEXT,
     PRIMARY KEY (bucket, key)) WITHOUT ROWID;`,
  `ALTER TABLE objects ADD COLUMN part_sizes TEXT;
   CREATE INDEX objects_by_storage_id ON objects (storage_id);
   ${UPLOAD_TABLES}`,
  `ALTER TABLE buckets ADD COLUMN object_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE buckets ADD COLUMN byte_count INTEGER NOT NULL DEFAULT 0;
   UPDATE buckets SET
     object_count = (SELECT count(*) FROM objects WHERE objects.bucket = buckets.name),
     byte_count = (SELECT coalesce(sum(size), 0) FROM objects WHERE objects.bucket = buckets.name);`,
  VERSION_TABLES,
  OUTBOX_TABLE,
  UPLOAD_SESSIONS,
  `ALTER TABLE buckets ADD COLUMN tags TEXT;
   ALTER TABLE objects ADD COLUMN tags TEXT;
   ALTER TABLE versions ADD COLUMN tags TEXT;
   ALTER TABLE uploads ADD COLUMN tags TEXT;`,
  "ALTER TABLE buckets ADD COLUMN cors TEXT;",
  // One row that readiness probes rewrite, so a probe proves the database takes a durable write.
  "CREATE TABLE probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);",
  `ALTER TABLE buckets ADD COLUMN encryption TEXT;
   ALTER TABLE objects ADD COLUMN sse TEXT;
   ALTER TABLE versions ADD COLUMN sse TEXT;
   ALTER TABLE uploads ADD COLUMN sse TEXT;`,
  `ALTER TABLE buckets ADD COLUMN object_lock TEXT;
   ALTER TABLE objects ADD COLUMN lock TEXT;
   ALTER TABLE versions ADD COLUMN lock TEXT;
   ALTER TABLE uploads ADD COLUMN lock TEXT;`,
  // Object bytes, for storage.backend: sqlite (storage/sqlite.ts); empty otherwise.
  `CREATE TABLE blobs (id TEXT PRIMARY KEY, size INTEGER NOT NULL, created INTEGER NOT NULL);
   CREATE TABLE blob_chunks (id TEXT NOT NULL, offset INTEGER NOT NULL, len INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (id, offset));`,
  "ALTER TABLE buckets ADD COLUMN notification TEXT;",
  "ALTER TABLE buckets ADD COLUMN policy TEXT;",
  "ALTER TABLE credentials ADD COLUMN policy TEXT;",
  `ALTER TABLE buckets ADD COLUMN public_access_block TEXT;
   ALTER TABLE buckets ADD COLUMN ownership TEXT;`,
  "ALTER TABLE buckets ADD COLUMN lifecycle TEXT;",
  "ALTER TABLE buckets ADD COLUMN logging TEXT;",
  RECORDS_TABLE,
  "ALTER TABLE credentials ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;",
];

export interface CredentialRow { access_key: string; secret_key: string; owner_id: string; owner_name: string; created_at: number; policy: string | null; disabled: number }
export interface BucketRow {
  name: string; region: string; owner_id: string; owner_name: string; acl: string; created_at: number; versioning: string | null; tags: string | null;
  cors: string | null; encryption: string | null; object_lock: string | null; notification: string | null; policy: string | null;
  public_access_block: string | null; ownership: string | null; lifecycle: string | null; logging: string | null;
}

export const toCredential = (r: CredentialRow): Credential => ({
  accessKey: r.access_key, secretKey: r.secret_key, owner: { id: r.owner_id, displayName: r.owner_name }, createdAt: r.created_at,
  ...(r.policy !== null && r.policy !== undefined ? { policy: r.policy } : {}),
  ...(r.disabled ? { disabled: true } : {}),
});
export const toBucket = (r: BucketRow): BucketRecord => ({
  name: r.name, region: r.region, owner: { id: r.owner_id, displayName: r.owner_name }, acl: JSON.parse(r.acl) as Acl, createdAt: r.created_at,
  ...(r.versioning ? { versioning: r.versioning as VersioningStatus } : {}),
  ...(r.tags ? { tags: JSON.parse(r.tags) as Tags } : {}),
  ...(r.cors ? { cors: JSON.parse(r.cors) as CorsRule[] } : {}),
  ...(r.encryption ? { encryption: JSON.parse(r.encryption) as BucketEncryption } : {}),
  ...(r.object_lock ? { objectLock: JSON.parse(r.object_lock) as ObjectLockConfig } : {}),
  ...(r.notification ? { notification: JSON.parse(r.notification) as NotificationRule[] } : {}),
  ...(r.policy !== null && r.policy !== undefined ? { policy: r.policy } : {}),
  ...(r.public_access_block ? { publicAccessBlock: JSON.parse(r.public_access_block) as PublicAccessBlock } : {}),
  ...(r.ownership ? { ownership: r.ownership as ObjectOwnership } : {}),
  ...(r.lifecycle ? { lifecycle: JSON.parse(r.lifecycle) as LifecycleRule[] } : {}),
  ...(r.logging ? { logging: JSON.parse(r.logging) as BucketLogging } : {}),
});

/** Named parameters of a bucket's row: every column, so a bucket is created whole in one statement. */
export const bucketParams = (b: BucketRecord) => ({
  name: b.name, region: b.region, owner_id: b.owner.id, owner_name: b.owner.displayName, acl: JSON.stringify(b.acl), created_at: b.createdAt,
  versioning: b.versioning ?? null, tags: b.tags ? JSON.stringify(b.tags) : null, cors: b.cors ? JSON.stringify(b.cors) : null,
  encryption: b.encryption ? JSON.stringify(b.encryption) : null, object_lock: b.objectLock ? JSON.stringify(b.objectLock) : null,
  notification: b.notification ? JSON.stringify(b.notification) : null, policy: b.policy ?? null,
  public_access_block: b.publicAccessBlock ? JSON.stringify(b.publicAccessBlock) : null, ownership: b.ownership ?? null,
  lifecycle: b.lifecycle ? JSON.stringify(b.lifecycle) : null, logging: b.logging ? JSON.stringify(b.logging) : null,
});

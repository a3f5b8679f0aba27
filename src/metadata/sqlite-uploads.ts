// The multipart half of the SQLite engine: uploads and parts tables, their statements and rows.
// Used by SqliteMetadataStore inside its transactions.
import type { Database, Statement } from "bun:sqlite";
import type { Acl, ChecksumAlgorithm, PartRecord, UploadRecord } from "./store.ts";

export const UPLOAD_TABLES = `
  CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated INTEGER NOT NULL,
    owner_id TEXT NOT NULL, owner_name TEXT NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL,
    user_metadata TEXT NOT NULL, storage_class TEXT NOT NULL, acl TEXT NOT NULL,
    checksum_algorithm TEXT, checksum_type TEXT, completed_etag TEXT);
  CREATE INDEX uploads_by_key ON uploads (bucket, key, upload_id);
  CREATE INDEX uploads_by_time ON uploads (initiated);
  CREATE TABLE parts (
    upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    storage_id TEXT NOT NULL, last_modified INTEGER NOT NULL, checksum TEXT,
    PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;
  CREATE INDEX parts_by_storage_id ON parts (storage_id);`;

interface UploadRow {
  upload_id: string; bucket: string; key: string; initiated: number; owner_id: string; owner_name: string;
  content_type: string; headers: string; user_metadata: string; storage_class: string; acl: string;
  checksum_algorithm: string | null; checksum_type: string | null; completed_etag: string | null;
}
interface PartRow {
  upload_id: string; part_number: number; size: number; etag: string; storage_id: string; last_modified: number; checksum: string | null;
}

export const toUpload = (r: UploadRow): UploadRecord => ({
  uploadId: r.upload_id, bucket: r.bucket, key: r.key, initiated: r.initiated,
  owner: { id: r.owner_id, displayName: r.owner_name }, contentType: r.content_type,
  headers: JSON.parse(r.headers) as Record<string, string>, userMetadata: JSON.parse(r.user_metadata) as Record<string, string>,
  storageClass: r.storage_class, acl: JSON.parse(r.acl) as Acl,
  ...(r.checksum_algorithm ? { checksumAlgorithm: r.checksum_algorithm as ChecksumAlgorithm } : {}),
  ...(r.checksum_type ? { checksumType: r.checksum_type as "FULL_OBJECT" | "COMPOSITE" } : {}),
  ...(r.completed_etag ? { completedEtag: r.completed_etag } : {}),
});

export const toPart = (r: PartRow): PartRecord => ({
  uploadId: r.upload_id, partNumber: r.part_number, size: r.size, etag: r.etag, storageId: r.storage_id,
  lastModified: r.last_modified, ...(r.checksum ? { checksum: r.checksum } : {}),
});

export function prepareUploads(db: Database) {
  return {
    insertUpload: db.query(
      `INSERT INTO uploads (upload_id, bucket, key, initiated, owner_id, owner_name, content_type, headers,
         user_metadata, storage_class, acl, checksum_algorithm, checksum_type, completed_etag)
       VALUES ($upload_id, $bucket, $key, $initiated, $owner_id, $owner_name, $content_type, $headers,
         $user_metadata, $storage_class, $acl, $checksum_algorithm, $checksum_type, NULL)`),
    getUpload: db.query("SELECT * FROM uploads WHERE upload_id = ?") as Statement<UploadRow>,
    listUploads: db.query(
      "SELECT * FROM uploads WHERE bucket = ? AND key >= ? AND completed_etag IS NULL ORDER BY key, upload_id",
    ) as Statement<UploadRow>,
    uploadsBefore: db.query("SELECT * FROM uploads WHERE initiated < ? ORDER BY initiated") as Statement<UploadRow>,
    uploadsOfBucket: db.query("SELECT upload_id FROM uploads WHERE bucket = ?") as Statement<{ upload_id: string }>,
    completeUpload: db.query("UPDATE uploads SET completed_etag = ? WHERE upload_id = ?"),
    deleteUpload: db.query("DELETE FROM uploads WHERE upload_id = ?"),
    getPart: db.query("SELECT * FROM parts WHERE upload_id = ? AND part_number = ?") as Statement<PartRow>,
    upsertPart: db.query(
      `INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, storage_id, last_modified, checksum)
       VALUES ($upload_id, $part_number, $size, $etag, $storage_id, $last_modified, $checksum)`),
    partsAfter: db.query("SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?") as Statement<PartRow>,
    allParts: db.query("SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number") as Statement<PartRow>,
    deleteParts: db.query("DELETE FROM parts WHERE upload_id = ?"),
    partByStorageId: db.query("SELECT 1 FROM parts WHERE storage_id = ? LIMIT 1"),
  };
}

export const uploadParams = (u: UploadRecord) => ({
  upload_id: u.uploadId, bucket: u.bucket, key: u.key, initiated: u.initiated, owner_id: u.owner.id,
  owner_name: u.owner.displayName, content_type: u.contentType, headers: JSON.stringify(u.headers),
  user_metadata: JSON.stringify(u.userMetadata), storage_class: u.storageClass, acl: JSON.stringify(u.acl),
  checksum_algorithm: u.checksumAlgorithm ?? null, checksum_type: u.checksumType ?? null,
});

export const partParams = (p: PartRecord) => ({
  upload_id: p.uploadId, part_number: p.partNumber, size: p.size, etag: p.etag, storage_id: p.storageId,
  last_modified: p.lastModified, checksum: p.checksum ?? null,
});

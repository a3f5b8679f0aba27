// The multipart half of the SQLite engine: uploads and parts tables, their statements and rows, and
// the reads and in-transaction writes SqliteMetadataStore delegates to (it owns the transactions).
import type { Database, Statement } from "bun:sqlite";
import { S3Error } from "../errors.ts";
import { compareKeys } from "./listing.ts";
import type { Acl, ChecksumAlgorithm, PartPage, PartRecord, SseInfo, Tags, UploadRecord } from "./store.ts";

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

/** Migration: uploads held by a storage session, and the session's token for each part. */
export const UPLOAD_SESSIONS = `
  ALTER TABLE uploads ADD COLUMN session_id TEXT;
  ALTER TABLE uploads ADD COLUMN session_storage_id TEXT;
  CREATE INDEX uploads_by_session_storage_id ON uploads (session_storage_id) WHERE session_storage_id IS NOT NULL;
  ALTER TABLE parts ADD COLUMN token TEXT;`;

interface UploadRow {
  upload_id: string; bucket: string; key: string; initiated: number; owner_id: string; owner_name: string;
  content_type: string; headers: string; user_metadata: string; storage_class: string; acl: string;
  checksum_algorithm: string | null; checksum_type: string | null; completed_etag: string | null;
  session_id: string | null; session_storage_id: string | null; tags: string | null; sse: string | null; lock: string | null;
}
interface PartRow {
  upload_id: string; part_number: number; size: number; etag: string; storage_id: string; last_modified: number; checksum: string | null;
  token: string | null;
}

export const toUpload = (r: UploadRow): UploadRecord => ({
  uploadId: r.upload_id, bucket: r.bucket, key: r.key, initiated: r.initiated,
  owner: { id: r.owner_id, displayName: r.owner_name }, contentType: r.content_type,
  headers: JSON.parse(r.headers) as Record<string, string>, userMetadata: JSON.parse(r.user_metadata) as Record<string, string>,
  storageClass: r.storage_class, acl: JSON.parse(r.acl) as Acl,
  ...(r.checksum_algorithm ? { checksumAlgorithm: r.checksum_algorithm as ChecksumAlgorithm } : {}),
  ...(r.checksum_type ? { checksumType: r.checksum_type as "FULL_OBJECT" | "COMPOSITE" } : {}),
  ...(r.completed_etag ? { completedEtag: r.completed_etag } : {}),
  ...(r.session_id && r.session_storage_id ? { session: { id: r.session_id, storageId: r.session_storage_id } } : {}),
  ...(r.tags ? { tags: JSON.parse(r.tags) as Tags } : {}),
  ...(r.sse ? { sse: JSON.parse(r.sse) as SseInfo } : {}),
  ...(r.lock ? (JSON.parse(r.lock) as Pick<UploadRecord, "retention" | "legalHold">) : {}),
});

export const toPart = (r: PartRow): PartRecord => ({
  uploadId: r.upload_id, partNumber: r.part_number, size: r.size, etag: r.etag, storageId: r.storage_id,
  lastModified: r.last_modified, ...(r.checksum ? { checksum: r.checksum } : {}), ...(r.token ? { token: r.token } : {}),
});

export function prepareUploads(db: Database) {
  return {
    insertUpload: db.query(
      `INSERT INTO uploads (upload_id, bucket, key, initiated, owner_id, owner_name, content_type, headers,
         user_metadata, storage_class, acl, checksum_algorithm, checksum_type, completed_etag, session_id, session_storage_id, tags, sse, lock)
       VALUES ($upload_id, $bucket, $key, $initiated, $owner_id, $owner_name, $content_type, $headers,
         $user_metadata, $storage_class, $acl, $checksum_algorithm, $checksum_type, NULL, $session_id, $session_storage_id, $tags, $sse, $lock)`),
    getUpload: db.query("SELECT * FROM uploads WHERE upload_id = ?") as Statement<UploadRow>,
    // A row-value comparison walks the (bucket, key, upload_id) index from the position.
    listUploads: db.query(
      "SELECT * FROM uploads WHERE bucket = ? AND (key, upload_id) > (?, ?) AND completed_etag IS NULL ORDER BY key, upload_id LIMIT ?",
    ) as Statement<UploadRow>,
    uploadsBefore: db.query("SELECT * FROM uploads WHERE initiated < ? ORDER BY initiated") as Statement<UploadRow>,
    completeUpload: db.query("UPDATE uploads SET completed_etag = ? WHERE upload_id = ?"),
    deleteUpload: db.query("DELETE FROM uploads WHERE upload_id = ?"),
    getPart: db.query("SELECT * FROM parts WHERE upload_id = ? AND part_number = ?") as Statement<PartRow>,
    upsertPart: db.query(
      `INSERT OR REPLACE INTO parts (upload_id, part_number, size, etag, storage_id, last_modified, checksum, token)
       VALUES ($upload_id, $part_number, $size, $etag, $storage_id, $last_modified, $checksum, $token)`),
    partsAfter: db.query("SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?") as Statement<PartRow>,
    deletePart: db.query("DELETE FROM parts WHERE upload_id = ? AND part_number = ?"),
    withParts: db.query(
      `SELECT DISTINCT p.upload_id FROM parts p LEFT JOIN uploads u ON u.upload_id = p.upload_id
       WHERE u.upload_id IS NULL OR u.completed_etag IS NOT NULL LIMIT ?`,
    ) as Statement<{ upload_id: string }>,
    openUploads: db.query("SELECT count(*) AS n FROM uploads WHERE completed_etag IS NULL") as Statement<{ n: number }>,
    deleteUploadsOfBucket: db.query("DELETE FROM uploads WHERE bucket = ?"),
    partByStorageId: db.query("SELECT 1 FROM parts WHERE storage_id = ? LIMIT 1"),
    // An upload in progress may still complete into its session's storage id.
    sessionByStorageId: db.query("SELECT 1 FROM uploads WHERE session_storage_id = ? AND completed_etag IS NULL LIMIT 1"),
  };
}

export const uploadParams = (u: UploadRecord) => ({
  upload_id: u.uploadId, bucket: u.bucket, key: u.key, initiated: u.initiated, owner_id: u.owner.id,
  owner_name: u.owner.displayName, content_type: u.contentType, headers: JSON.stringify(u.headers),
  user_metadata: JSON.stringify(u.userMetadata), storage_class: u.storageClass, acl: JSON.stringify(u.acl),
  checksum_algorithm: u.checksumAlgorithm ?? null, checksum_type: u.checksumType ?? null,
  session_id: u.session?.id ?? null, session_storage_id: u.session?.storageId ?? null,
  tags: u.tags ? JSON.stringify(u.tags) : null,
  sse: u.sse ? JSON.stringify(u.sse) : null,
  lock: u.retention || u.legalHold !== undefined ? JSON.stringify({ retention: u.retention, legalHold: u.legalHold }) : null,
});

export const partParams = (p: PartRecord) => ({
  upload_id: p.uploadId, part_number: p.partNumber, size: p.size, etag: p.etag, storage_id: p.storageId,
  last_modified: p.lastModified, checksum: p.checksum ?? null, token: p.token ?? null,
});

export class SqliteUploads {
  private readonly u;

  constructor(db: Database) {
    this.u = prepareUploads(db);
  }

  get(uploadId: string): UploadRecord | null {
    const row = this.u.getUpload.get(uploadId);
    return row ? toUpload(row) : null;
  }

  /** NoSuchUpload unless the upload is in progress. */
  assertInProgress(uploadId: string): void {
    const upload = this.u.getUpload.get(uploadId);
    if (!upload || upload.completed_etag !== null) throw new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });
  }

  insert(upload: UploadRecord): void {
    this.u.insertUpload.run(uploadParams(upload));
  }

  list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): UploadRecord[] {
    // Upload ids are lower-case hex: "~" sorts after every one of them ("after all of the key's").
    const from = compareKeys(after.key, prefix) >= 0 ? after : { key: prefix, uploadId: "" };
    const out: UploadRecord[] = [];
    for (const row of this.u.listUploads.iterate(bucket, from.key, from.uploadId ?? "~", limit)) {
      if (!row.key.startsWith(prefix)) break;
      out.push(toUpload(row));
    }
    return out;
  }

  initiatedBefore(before: number): UploadRecord[] {
    return this.u.uploadsBefore.all(before).map(toUpload);
  }

  openCount(): number {
    return this.u.openUploads.get()?.n ?? 0;
  }

  putPart(part: PartRecord): PartRecord | null {
    this.assertInProgress(part.uploadId);
    const previous = this.u.getPart.get(part.uploadId, part.partNumber);
    this.u.upsertPart.run(partParams(part));
    return previous ? toPart(previous) : null;
  }

  listParts(uploadId: string, after: number, max: number): PartPage {
    const rows = this.u.partsAfter.all(uploadId, after, max + 1);
    const parts = rows.slice(0, max).map(toPart);
    const last = parts.at(-1);
    return rows.length > max && last ? { parts, isTruncated: true, nextPartNumberMarker: last.partNumber } : { parts, isTruncated: false };
  }

  markCompleted(uploadId: string, etag: string): void {
    this.u.completeUpload.run(etag, uploadId);
  }

  delete(uploadId: string): boolean {
    return this.u.deleteUpload.run(uploadId).changes > 0;
  }

  deleteOfBucket(bucket: string): void {
    this.u.deleteUploadsOfBucket.run(bucket);
  }

  deleteParts(uploadId: string, partNumbers: number[]): void {
    for (const n of partNumbers) this.u.deletePart.run(uploadId, n);
  }

  withParts(limit: number): string[] {
    return this.u.withParts.all(limit).map((r) => r.upload_id);
  }

  referencesStorage(storageId: string): boolean {
    return this.u.partByStorageId.get(storageId) !== null || this.u.sessionByStorageId.get(storageId) !== null;
  }
}

// The metadata contract: engine-owned record types and the MetadataStore interface every engine
// (sqlite, memory, and later local/dynamodb/firestore/cosmos) implements. No HTTP, no SDK types.

export interface Owner {
  id: string;
  displayName: string;
}

export type Permission = "FULL_CONTROL" | "READ" | "WRITE" | "READ_ACP" | "WRITE_ACP";

export type Grantee =
  | { type: "CanonicalUser"; id: string; displayName?: string }
  | { type: "Group"; uri: string }
  | { type: "AmazonCustomerByEmail"; email: string };

export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

export interface Acl {
  owner: Owner;
  grants: Grant[];
}

export interface Credential {
  accessKey: string;
  secretKey: string;
  owner: Owner;
  createdAt: number;
}

export interface BucketRecord {
  name: string;
  region: string;
  owner: Owner;
  acl: Acl;
  createdAt: number;
}

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 of the digest, as S3 returns it. */
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

export interface ObjectRecord {
  bucket: string;
  key: string;
  size: number;
  /** Hex digest without quotes; multipart objects carry the "-N" suffix. */
  etag: string;
  lastModified: number;
  /** Where the bytes live in the storage backend. A new write always gets a new id. */
  storageId: string;
  contentType: string;
  /** Stored system headers (content-encoding, cache-control, ...), lower-case names. */
  headers: Record<string, string>;
  /** x-amz-meta-* values, keyed by the lower-case name after the prefix. */
  userMetadata: Record<string, string>;
  storageClass: string;
  owner: Owner;
  acl: Acl;
  checksum?: ObjectChecksum;
  /** Sizes of the parts, in order, for an object completed from a multipart upload. */
  partSizes?: number[];
}

/** A multipart upload: what the completed object will be, besides its bytes. */
export interface UploadRecord {
  /** Time-ordered, so (key, uploadId) sorts uploads of one key by initiation. */
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  owner: Owner;
  contentType: string;
  headers: Record<string, string>;
  userMetadata: Record<string, string>;
  storageClass: string;
  acl: Acl;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: "FULL_OBJECT" | "COMPOSITE";
  /** Set once completed: the object's ETag, so a retried Complete answers the same. */
  completedEtag?: string;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  size: number;
  /** Hex MD5 of the part, unquoted. */
  etag: string;
  storageId: string;
  lastModified: number;
  /** Base64 checksum of the part in the upload's algorithm. */
  checksum?: string;
}

export interface PartPage {
  parts: PartRecord[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

/** The result of atomically turning an upload into an object. */
export interface CompletedUpload {
  /** The object the completion replaced, if any (its storage is now free). */
  previous: ObjectRecord | null;
  /** Every part the upload held (their storage is now free). */
  parts: PartRecord[];
}

/** The columns a listing needs; cheaper than a full record. */
export type ListEntry = Pick<ObjectRecord, "key" | "size" | "etag" | "lastModified" | "storageClass" | "owner">;

export interface ListQuery {
  prefix: string;
  /** "" means no delimiter. */
  delimiter: string;
  /** Exclusive start: only keys (and common prefixes) after this one. */
  after: string;
  /** 0..1000 */
  maxKeys: number;
}

export interface ListPage {
  entries: ListEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, when truncated. */
  nextMarker?: string;
}

/** Atomic preconditions for a write or a delete, checked against the current record inside the store. */
export interface WriteCondition {
  /** If-None-Match: * — fail when the key exists. */
  ifNoneMatch?: boolean;
  /** If-Match: the current ETag (unquoted) must equal this. */
  ifMatch?: string;
}

export interface MetadataStore {
  readonly engine: string;
  /** Open, recover and migrate. Safe to call on every start-up. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** A cheap round trip that proves the store answers. */
  ping(): Promise<void>;

  /** Inserts or replaces a key pair, every field as given. */
  putCredential(credential: Credential): Promise<void>;
  getCredential(accessKey: string): Promise<Credential | null>;
  listCredentials(): Promise<Credential[]>;
  deleteCredential(accessKey: string): Promise<boolean>;

  /** Inserts the bucket unless the name is taken; returns false if it was. */
  createBucket(bucket: BucketRecord): Promise<boolean>;
  getBucket(name: string): Promise<BucketRecord | null>;
  /** All buckets, sorted by name. */
  listBuckets(): Promise<BucketRecord[]>;
  /**
   * Deletes a bucket that holds no objects (else BucketNotEmpty), with its multipart uploads; returns
   * the parts those uploads held (their storage is now free), or null if there was no such bucket.
   */
  deleteBucket(name: string): Promise<PartRecord[] | null>;
  setBucketAcl(name: string, acl: Acl): Promise<boolean>;

  /** The object's record: a copy, or a read-only (frozen) record that may be shared between callers. */
  getObject(bucket: string, key: string): Promise<ObjectRecord | null>;
  /**
   * Inserts or replaces the object atomically, checking the condition and that the bucket exists.
   * Returns the record it replaced, so the caller can free that record's storage.
   */
  putObject(record: ObjectRecord, condition?: WriteCondition): Promise<ObjectRecord | null>;
  /**
   * Removes the object, checking `condition` (If-Match) against the current record in the same atomic
   * step: PreconditionFailed on a mismatch, NoSuchKey when If-Match was given and there is no object.
   * Returns the record it removed, or null. DeleteObjects is this, once per key.
   */
  deleteObject(bucket: string, key: string, condition?: WriteCondition): Promise<ObjectRecord | null>;
  setObjectAcl(bucket: string, key: string, acl: Acl): Promise<boolean>;
  listObjects(bucket: string, query: ListQuery): Promise<ListPage>;
  /** Objects and bytes per bucket, kept as counters by every write (never a scan). */
  bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>>;
  /** How many multipart uploads are in progress. */
  openUploadCount(): Promise<number>;
  /** Whether any object record points at this storage id (orphan reconciliation). */
  isStorageIdReferenced(storageId: string): Promise<boolean>;

  /** Records a new upload; NoSuchBucket if the bucket is gone. */
  createUpload(upload: UploadRecord): Promise<void>;
  /** The upload, in progress or completed; null if unknown or aborted. */
  getUpload(uploadId: string): Promise<UploadRecord | null>;
  /** In-progress uploads of a bucket whose keys start with `prefix`, sorted by key then uploadId. */
  listUploads(bucket: string, prefix: string): Promise<UploadRecord[]>;
  /** Uploads (in progress or completed) initiated before `before` (ms), for the TTL reaper. */
  uploadsInitiatedBefore(before: number): Promise<UploadRecord[]>;
  /**
   * Adds or replaces a part of an in-progress upload; NoSuchUpload if it is gone or completed.
   * Returns the part it replaced.
   */
  putPart(part: PartRecord): Promise<PartRecord | null>;
  /** Parts with numbers greater than `after`, at most `max`. */
  listParts(uploadId: string, after: number, max: number): Promise<PartPage>;
  /**
   * In one atomic step: checks `condition` against the current object, writes `object`, marks the
   * upload completed and removes its parts. NoSuchUpload if it is not in progress.
   */
  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition): Promise<CompletedUpload>;
  /** Removes an upload (in progress or completed) with its parts; returns the parts, or null if unknown. */
  deleteUpload(uploadId: string): Promise<PartRecord[] | null>;
}

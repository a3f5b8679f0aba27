// The metadata contract: engine-owned record types and the MetadataStore interface every engine
// (sqlite, memory, and later local/dynamodb/firestore/cosmos) implements. No HTTP, no SDK types.
import type { EngineEvent, StoredEvent } from "./events.ts";

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
  /** The key's own policy (identity policy): a built-in name (readonly, readwrite, ...) or policy JSON. Without one, no limit. */
  policy?: string;
  /** A disabled key is kept (listed, and enabled again) but authenticates nothing. */
  disabled?: boolean;
}

/** Tags of an object or a bucket: key → value, each key once. */
export type Tags = Record<string, string>;

/** A bucket's versioning: absent until it is first set, and never absent again (S3's rule). */
export type VersioningStatus = "Enabled" | "Suspended";

export interface BucketRecord {
  name: string;
  region: string;
  owner: Owner;
  acl: Acl;
  createdAt: number;
  versioning?: VersioningStatus;
  tags?: Tags;
  cors?: CorsRule[];
  /** Default encryption of new objects (PutBucketEncryption). */
  encryption?: BucketEncryption;
  /** Object Lock: once enabled, never disabled, and versioning stays Enabled. */
  objectLock?: ObjectLockConfig;
  /** Event notifications (PutBucketNotificationConfiguration). */
  notification?: NotificationRule[];
  /** The bucket policy, the JSON text as it was put (PutBucketPolicy). */
  policy?: string;
  /** PutPublicAccessBlock's four flags. */
  publicAccessBlock?: PublicAccessBlock;
  /** PutBucketOwnershipControls' rule (none: ObjectWriter, S3's behaviour before 2023 and this server's default). */
  ownership?: ObjectOwnership;
  /** PutBucketLifecycleConfiguration's rules. */
  lifecycle?: LifecycleRule[];
  /** Server access logging (PutBucketLogging): where this bucket's access log objects go. */
  logging?: BucketLogging;
}

/** Where a bucket's server access logs are written: a bucket of the same owner, keys under a prefix. */
export interface BucketLogging {
  targetBucket: string;
  targetPrefix: string;
}

/** One lifecycle rule, as validated (core/lifecycle.ts applies them). */
export interface LifecycleRule {
  id: string;
  enabled: boolean;
  /** The filter: every part given must hold. `legacyPrefix`: given as the rule's own Prefix (the old form). */
  prefix?: string;
  legacyPrefix?: boolean;
  tags?: Record<string, string>;
  sizeGreaterThan?: number;
  sizeLessThan?: number;
  expiration?: { days?: number; date?: number; expiredObjectDeleteMarker?: boolean };
  noncurrent?: { days: number; newer?: number };
  abortAfterDays?: number;
}

export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export type ObjectOwnership = "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter";

/** One Queue/Topic/CloudFunction configuration of a bucket's notifications: where, which events, which keys. */
export interface NotificationRule {
  id: string;
  kind: "Queue" | "Topic" | "CloudFunction";
  arn: string;
  /** The id of the notifications.targets entry the ARN names. */
  target: string;
  /** S3 event names, with "*" as the last part for all of a kind (s3:ObjectCreated:*). */
  events: string[];
  prefix?: string;
  suffix?: string;
}

export type RetentionMode = "GOVERNANCE" | "COMPLIANCE";

/** A version's retention: it may not be deleted before `until` (GOVERNANCE: unless bypassed). */
export interface Retention {
  mode: RetentionMode;
  /** ms since the epoch */
  until: number;
}

export interface ObjectLockConfig {
  enabled: true;
  /** Applied to new versions written without a retention of their own. */
  defaultRetention?: { mode: RetentionMode; days?: number; years?: number };
}

/** A bucket's default encryption: SSE-S3 (AES256) or SSE-KMS (aws:kms). */
export interface BucketEncryption {
  algorithm: "AES256" | "aws:kms";
  /** aws:kms: the key (id, ARN or alias, as given); absent, the default key aws/s3. */
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/**
 * How a version's (or an upload's) bytes are encrypted at rest. Keys are never stored: SSE-C keeps a
 * salted HMAC that recognises the customer's key; SSE-S3 keeps the object's data key wrapped by the
 * master key. Bytes are AES-256 in counter mode, part by part (core/sse.ts).
 */
export interface SseInfo {
  type: "SSE-C" | "SSE-S3" | "SSE-KMS";
  /** Base64, 16 random bytes: what the data key and the key check are derived with (SSE-C; "" for SSE-KMS). */
  salt: string;
  /** SSE-C: base64 HMAC-SHA256 of the salt under the customer's key. */
  check?: string;
  /**
   * SSE-S3: the data key, AES-256-GCM-wrapped by the master key (base64 iv ‖ ciphertext ‖ tag);
   * SSE-KMS: wrapped by the KMS key's version (or its bucket key), the context as AAD.
   */
  wrapped?: string;
  /** SSE-KMS: the key's ARN, the version that wrapped the data key, the encryption context (canonical JSON, with aws:s3:arn). */
  kmsKeyId?: string;
  keyVersion?: number;
  context?: string;
  /** SSE-KMS with BucketKeyEnabled: the bucket whose bucket key wrapped the data key. */
  bucketKey?: string;
  /** A multipart object: the part numbers its parts were encrypted under, in order. */
  parts?: number[];
}

/** One rule of a bucket's CORS configuration (S3's CORSRule). */
export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

/** A change to a bucket's settings: each field given replaces that setting (tags: null removes them). */
export interface BucketChange {
  acl?: Acl;
  versioning?: VersioningStatus;
  tags?: Tags | null;
  cors?: CorsRule[] | null;
  encryption?: BucketEncryption | null;
  objectLock?: ObjectLockConfig;
  notification?: NotificationRule[] | null;
  policy?: string | null;
  publicAccessBlock?: PublicAccessBlock | null;
  ownership?: ObjectOwnership | null;
  lifecycle?: LifecycleRule[] | null;
  logging?: BucketLogging | null;
}

/**
 * A change to one version's ACL, tags, retention or legal hold (null removes). A retention change is
 * checked by the store against the stored one in the same atomic unit: COMPLIANCE is never shortened
 * or removed, GOVERNANCE only with `bypassGovernance` (checkRetentionChange).
 */
export interface ObjectChange {
  acl?: Acl;
  tags?: Tags | null;
  retention?: Retention | null;
  legalHold?: boolean | null;
  bypassGovernance?: boolean;
}

export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export interface ObjectChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 of the digest, as S3 returns it. */
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** The version id of the null version: every object of an unversioned bucket, and writes while suspended. */
export const NULL_VERSION = "null";

/**
 * One version of an object. A key has at most one version per version id; its current version is
 * what a GET without versionId reads, and may be a delete marker.
 */
export interface ObjectRecord {
  bucket: string;
  key: string;
  /** NULL_VERSION, or an id from newVersionId() (versions.ts). */
  versionId: string;
  /** A delete marker: no data (size 0, empty etag and storage id). */
  deleteMarker?: boolean;
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
  tags?: Tags;
  sse?: SseInfo;
  retention?: Retention;
  legalHold?: boolean;
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
  /** A native upload of the storage backend holding the parts, and the storage id it completes into. */
  session?: { id: string; storageId: string };
  /** x-amz-tagging of CreateMultipartUpload: the object's tags once completed. */
  tags?: Tags;
  /** The encryption every part gets, and the completed object. */
  sse?: SseInfo;
  /** Object Lock settings of the completed object. */
  retention?: Retention;
  legalHold?: boolean;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  size: number;
  /** Hex MD5 of the part, unquoted. */
  etag: string;
  /** Where the part's bytes are stored; "" for a part held by the upload's storage session. */
  storageId: string;
  /** For a part held by a storage session: what completing the session needs (the upstream's ETag). */
  token?: string;
  lastModified: number;
  /** Base64 checksum of the part in the upload's algorithm. */
  checksum?: string;
}

export interface PartPage {
  parts: PartRecord[];
  isTruncated: boolean;
  nextPartNumberMarker?: number;
}

/** What a write of a version did to the versions before it. */
export interface ObjectWrite {
  /** The version that was current before (null if none): now noncurrent, or gone if in `freed`. */
  previous: ObjectRecord | null;
  /** Versions the write removed (same version id: the null version replaced); their storage is free. */
  freed: ObjectRecord[];
}

/** The result of atomically turning an upload into an object. */
export type CompletedUpload = ObjectWrite;

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

/** One row of ListObjectVersions: a version or a delete marker. */
export interface VersionEntry extends ListEntry {
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
}

export interface VersionQuery {
  prefix: string;
  delimiter: string;
  /** Start after this key (or, with versionIdMarker, after that version of it). */
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
}

export interface VersionPage {
  versions: VersionEntry[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** The kinds of small records an engine keeps beside the S3 ones: the key manager's keys and aliases (SSE-KMS), the master key's check, console sessions signed out. */
export type RecordKind = "kms-key" | "kms-alias" | "master-key" | "console-revoked";

/** Atomic preconditions for a write or a delete, checked against the current record inside the store. */
export interface WriteCondition {
  /** If-None-Match: * — fail when the key exists. */
  ifNoneMatch?: boolean;
  /** If-Match: the current ETag (unquoted) must equal this. */
  ifMatch?: string;
}

/**
 * The metadata contract (v2). Every method is one atomic unit no larger than what one DynamoDB,
 * Firestore or Cosmos DB transaction can hold (a handful of items): nothing here touches an unbounded
 * number of records at once. Work that follows a commit (freeing parts, replaced data) is done by the
 * engine afterwards, idempotently, and picked up again after a kill -9 (`uploadsWithParts`).
 *
 * Reads are strongly consistent with every write acknowledged before them. Mutations that take
 * `events` write them to the outbox in the same atomic unit, if and only if the change happened.
 * Unless said otherwise a mutation is idempotent: repeating it leaves the same state.
 */
export interface MetadataStore {
  readonly engine: string;
  /** Open, recover and migrate. Safe to call on every start-up. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** A cheap round trip that proves the store answers. */
  ping(): Promise<void>;

  /** Inserts or replaces a key pair, every field as given. */
  putCredential(credential: Credential, events?: EngineEvent[]): Promise<void>;
  getCredential(accessKey: string): Promise<Credential | null>;
  listCredentials(): Promise<Credential[]>;
  deleteCredential(accessKey: string, events?: EngineEvent[]): Promise<boolean>;

  /** A small record beside the S3 ones (JSON text), by kind and id; null when there is none. */
  getRecord(kind: RecordKind, id: string): Promise<string | null>;
  /** Every record of a kind, by id. */
  listRecords(kind: RecordKind): Promise<Array<{ id: string; value: string }>>;
  /**
   * Writes a record if it still is `expected` (null: if there is none) — compare and swap; false when
   * it was not (nothing changed: read it again and decide again).
   */
  putRecord(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean>;
  /** Removes a record if it still is `expected`; false when it was not (or was gone). */
  deleteRecord(kind: RecordKind, id: string, expected: string): Promise<boolean>;

  /** Inserts the bucket unless the name is taken; returns false if it was (not idempotent in its answer). */
  createBucket(bucket: BucketRecord, events?: EngineEvent[]): Promise<boolean>;
  getBucket(name: string): Promise<BucketRecord | null>;
  /** All buckets, sorted by name. */
  listBuckets(): Promise<BucketRecord[]>;
  /**
   * Deletes the bucket if it holds no version or delete marker (else BucketNotEmpty); false if there
   * was none. The engine aborts the bucket's uploads first; an engine may also drop upload records
   * left in it (their parts are left for `uploadsWithParts`) where that stays within one atomic unit.
   */
  deleteBucket(name: string, events?: EngineEvent[]): Promise<boolean>;
  /** Changes a bucket's ACL, versioning or tags; false if there is no such bucket. */
  updateBucket(name: string, change: BucketChange, events?: EngineEvent[]): Promise<boolean>;

  /**
   * A version of an object: the current one (which may be a delete marker) without `versionId`.
   * A copy, or a read-only (frozen) record that may be shared between callers.
   */
  getObject(bucket: string, key: string, versionId?: string): Promise<ObjectRecord | null>;
  /**
   * Writes `record` as the key's current version atomically, checking the condition against the
   * current version and that the bucket exists. The version that was current stays as a noncurrent
   * version unless it has the same version id (the null version), in which case it is replaced; a
   * noncurrent version with that id is removed too. Replaced versions are returned in `freed`.
   */
  putObject(record: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<ObjectWrite>;
  /**
   * Removes one version — the current one without `versionId` — checking `condition` (If-Match)
   * against the current version in the same atomic step: PreconditionFailed on a mismatch or when the
   * current version is a delete marker, NoSuchKey when If-Match was given and the key has no version.
   * When the current version goes, the newest noncurrent one becomes current. Returns the removed
   * version, or null. DeleteObjects is this, once per key. A version under legal hold or unexpired
   * retention is never removed (AccessDenied), checked in the same atomic step; GOVERNANCE retention
   * yields to `bypassGovernance` (checkLock).
   */
  deleteObject(
    bucket: string, key: string, options?: { versionId?: string; condition?: WriteCondition; bypassGovernance?: boolean; events?: EngineEvent[] },
  ): Promise<ObjectRecord | null>;
  /** Changes the ACL or tags of a version (the current one without `versionId`); false if there is none or it is a delete marker. */
  updateObject(bucket: string, key: string, versionId: string | undefined, change: ObjectChange, events?: EngineEvent[]): Promise<boolean>;
  /** Current versions that are not delete markers. */
  listObjects(bucket: string, query: ListQuery): Promise<ListPage>;
  /** Every version and delete marker, by key, newest first within a key. */
  listObjectVersions(bucket: string, query: VersionQuery): Promise<VersionPage>;
  /**
   * Object versions (not delete markers) and their bytes per bucket. Kept exactly by engines that
   * can count inside their atomic units; `approximate` says an engine could not (metrics show it).
   */
  bucketStats(): Promise<Array<{ bucket: string; objects: number; bytes: number }>>;
  readonly statsApproximate?: boolean;
  /** SQLite: how often, and how long in all, its commits waited for the write lock (worker processes share it). */
  lockWaits?(): { count: number; seconds: number };
  /** How many multipart uploads are in progress. */
  openUploadCount(): Promise<number>;
  /** Whether any version, part or upload session points at this storage id (orphan reconciliation). */
  isStorageIdReferenced(storageId: string): Promise<boolean>;

  /** Records a new upload; NoSuchBucket if the bucket is gone. */
  createUpload(upload: UploadRecord, events?: EngineEvent[]): Promise<void>;
  /** The upload, in progress or completed; null if unknown or aborted. */
  getUpload(uploadId: string): Promise<UploadRecord | null>;
  /**
   * At most `limit` in-progress uploads of a bucket whose keys start with `prefix`, sorted by key then
   * uploadId, strictly after `after` (an upload id of "" is before all of a key's uploads; none given,
   * after all of them).
   */
  listUploads(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): Promise<UploadRecord[]>;
  /** Uploads (in progress or completed) initiated before `before` (ms), for the TTL reaper. */
  uploadsInitiatedBefore(before: number): Promise<UploadRecord[]>;
  /**
   * Adds or replaces a part of an in-progress upload; NoSuchUpload if it is gone or completed.
   * Returns the part it replaced.
   */
  putPart(part: PartRecord, events?: EngineEvent[]): Promise<PartRecord | null>;
  /** Parts with numbers greater than `after`, at most `max` (of any upload, in progress or not). */
  listParts(uploadId: string, after: number, max: number): Promise<PartPage>;
  /**
   * One atomic unit: checks `condition` against the current version, writes `object` as putObject
   * does and marks the upload completed. NoSuchUpload if it is not in progress. The parts stay until
   * the engine frees them (`deleteParts`); `parts` in the result is empty in this contract.
   */
  completeUpload(uploadId: string, object: ObjectRecord, condition?: WriteCondition, events?: EngineEvent[]): Promise<CompletedUpload>;
  /** Removes an upload record (in progress or completed); its parts stay for `deleteParts`. False if unknown. */
  deleteUpload(uploadId: string, events?: EngineEvent[]): Promise<boolean>;
  /** Removes these parts of an upload (any that are already gone are skipped). */
  deleteParts(uploadId: string, partNumbers: number[]): Promise<void>;
  /** Uploads that are completed or gone but still have parts: clean-up left to do (after a crash). */
  uploadsWithParts(limit: number): Promise<string[]>;

  /** Events not yet delivered, oldest first. */
  pendingEvents(limit: number): Promise<StoredEvent[]>;
  /**
   * Marks every event up to `seq` delivered (pendingEvents no longer returns them) and prunes delivered
   * history beyond EVENT_HISTORY. An engine may write the mark lazily: after a crash, events marked just
   * before it may be pending again (delivery is at least once).
   */
  markDelivered(seq: number): Promise<void>;
  /** The outbox, delivered or not, in commit order after `afterSeq`. */
  listEvents(afterSeq: number, limit: number): Promise<StoredEvent[]>;
}

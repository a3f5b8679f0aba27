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

/** Atomic preconditions for a write, checked against the current record inside the store. */
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

  putCredential(credential: Credential): Promise<void>;
  getCredential(accessKey: string): Promise<Credential | null>;
  listCredentials(): Promise<Credential[]>;
  deleteCredential(accessKey: string): Promise<boolean>;

  /** Inserts the bucket unless the name is taken; returns false if it was. */
  createBucket(bucket: BucketRecord): Promise<boolean>;
  getBucket(name: string): Promise<BucketRecord | null>;
  /** All buckets, sorted by name. */
  listBuckets(): Promise<BucketRecord[]>;
  /** Deletes an empty bucket; throws BucketNotEmpty if it holds objects; false if absent. */
  deleteBucket(name: string): Promise<boolean>;
  setBucketAcl(name: string, acl: Acl): Promise<boolean>;

  getObject(bucket: string, key: string): Promise<ObjectRecord | null>;
  /**
   * Inserts or replaces the object atomically, checking the condition and that the bucket exists.
   * Returns the record it replaced, so the caller can free that record's storage.
   */
  putObject(record: ObjectRecord, condition?: WriteCondition): Promise<ObjectRecord | null>;
  /** Returns the record it removed, or null. */
  deleteObject(bucket: string, key: string): Promise<ObjectRecord | null>;
  /** Deletes many keys in one atomic step; returns what each removed (null where absent), in order. */
  deleteObjects(bucket: string, keys: string[]): Promise<Array<ObjectRecord | null>>;
  setObjectAcl(bucket: string, key: string, acl: Acl): Promise<boolean>;
  listObjects(bucket: string, query: ListQuery): Promise<ListPage>;
}

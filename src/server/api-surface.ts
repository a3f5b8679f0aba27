// How each served S3 operation is addressed — method, path, the query or header that tells it apart —
// with its notable parameters and errors. /openapi.json is generated from this table, and
// test/server/api-surface.test.ts sends each entry through resolve() (the router) and checks that it
// lands on that operation, so the documentation cannot drift from what the server does. The type
// makes an operation the handler table serves but this table lacks a compile error.
import type { S3ErrorCode } from "../errors.ts";
import { BUCKET_SETTINGS } from "./bucket-settings.ts";
import type { Served } from "./types.ts";

export type ApiTag = "Bucket" | "Object" | "MultipartUpload";

export interface ApiRoute {
  /** The AWS operation name (what resolve() answers). */
  name: string;
  method: "GET" | "PUT" | "HEAD" | "DELETE" | "POST" | "OPTIONS";
  path: "/" | "/{bucket}" | "/{bucket}/{key}";
  /** Query parameters that select the operation; a value in braces is a parameter the client fills in. */
  query?: Record<string, string>;
  /** A header whose presence selects the operation. */
  header?: string;
  tag: ApiTag;
  summary: string;
  /** Other query (?) and header (h:) parameters the operation reads. */
  params?: string[];
  /** The success status (200 unless said). */
  status?: number;
  errors?: S3ErrorCode[];
}

type Entry = Omit<ApiRoute, "name">;
const COND: string[] = ["h:If-Match", "h:If-None-Match", "h:If-Modified-Since", "h:If-Unmodified-Since"];
/** A write's encryption: DSSE-KMS refused, a KMS key unknown, disabled or pending deletion, a malformed header. */
const SSE_REFUSED: S3ErrorCode[] = ["NotImplemented", "InvalidArgument", "KMS.NotFoundException", "KMS.DisabledException", "KMS.KMSInvalidStateException"];
/** A read of an SSE-KMS object whose key is disabled or pending deletion. */
const KMS_READ: S3ErrorCode[] = ["KMS.DisabledException", "KMS.KMSInvalidStateException"];
const SSE_HEADERS = ["h:x-amz-server-side-encryption", "h:x-amz-server-side-encryption-aws-kms-key-id", "h:x-amz-server-side-encryption-context", "h:x-amz-server-side-encryption-bucket-key-enabled"];
const PUT_HEADERS = ["h:Content-Type", "h:Content-MD5", "h:x-amz-checksum-*", "h:x-amz-meta-*", "h:x-amz-acl", "h:x-amz-tagging", "h:If-None-Match", "h:If-Match", ...SSE_HEADERS];

const SERVED: { [O in Exclude<Served, "GetBucketSetting" | "DeleteBucketSetting">]: Entry } = {
  ListBuckets: { method: "GET", path: "/", tag: "Bucket", summary: "List the buckets you own", params: ["?prefix", "?max-buckets", "?continuation-token"] },
  CreateBucket: {
    method: "PUT", path: "/{bucket}", tag: "Bucket", summary: "Create a bucket (optional CreateBucketConfiguration body)",
    params: ["h:x-amz-acl", "h:x-amz-grant-*"], errors: ["BucketAlreadyExists", "BucketAlreadyOwnedByYou", "InvalidBucketName", "InvalidLocationConstraint"],
  },
  DeleteBucket: { method: "DELETE", path: "/{bucket}", tag: "Bucket", summary: "Delete an empty bucket", status: 204, errors: ["NoSuchBucket", "BucketNotEmpty"] },
  HeadBucket: { method: "HEAD", path: "/{bucket}", tag: "Bucket", summary: "Whether the bucket exists and you may use it (x-amz-bucket-region)", errors: ["NoSuchBucket"] },
  GetBucketLocation: { method: "GET", path: "/{bucket}", query: { location: "" }, tag: "Bucket", summary: "The bucket's region", errors: ["NoSuchBucket"] },
  GetBucketAcl: { method: "GET", path: "/{bucket}", query: { acl: "" }, tag: "Bucket", summary: "The bucket's access control list", errors: ["NoSuchBucket"] },
  PutBucketAcl: {
    method: "PUT", path: "/{bucket}", query: { acl: "" }, tag: "Bucket", summary: "Set the bucket's ACL (canned, grant headers or AccessControlPolicy body)",
    params: ["h:x-amz-acl", "h:x-amz-grant-*"], errors: ["NoSuchBucket", "MalformedACLError", "InvalidArgument"],
  },
  GetBucketVersioning: { method: "GET", path: "/{bucket}", query: { versioning: "" }, tag: "Bucket", summary: "The bucket's versioning status", errors: ["NoSuchBucket"] },
  PutBucketVersioning: {
    method: "PUT", path: "/{bucket}", query: { versioning: "" }, tag: "Bucket", summary: "Enable or suspend versioning", errors: ["NoSuchBucket", "MalformedXML", "NotImplemented"],
  },
  GetBucketTagging: { method: "GET", path: "/{bucket}", query: { tagging: "" }, tag: "Bucket", summary: "The bucket's tags", errors: ["NoSuchBucket", "NoSuchTagSet"] },
  PutBucketTagging: { method: "PUT", path: "/{bucket}", query: { tagging: "" }, tag: "Bucket", summary: "Replace the bucket's tags", status: 204, errors: ["NoSuchBucket", "InvalidTag", "MalformedXML"] },
  DeleteBucketTagging: { method: "DELETE", path: "/{bucket}", query: { tagging: "" }, tag: "Bucket", summary: "Remove the bucket's tags", status: 204, errors: ["NoSuchBucket"] },
  GetBucketCors: { method: "GET", path: "/{bucket}", query: { cors: "" }, tag: "Bucket", summary: "The bucket's CORS rules", errors: ["NoSuchBucket", "NoSuchCORSConfiguration"] },
  PutBucketCors: { method: "PUT", path: "/{bucket}", query: { cors: "" }, tag: "Bucket", summary: "Replace the bucket's CORS rules", errors: ["NoSuchBucket", "MalformedXML", "InvalidRequest"] },
  DeleteBucketCors: { method: "DELETE", path: "/{bucket}", query: { cors: "" }, tag: "Bucket", summary: "Remove the bucket's CORS rules", status: 204, errors: ["NoSuchBucket"] },
  GetBucketEncryption: {
    method: "GET", path: "/{bucket}", query: { encryption: "" }, tag: "Bucket", summary: "The bucket's default encryption",
    errors: ["NoSuchBucket", "ServerSideEncryptionConfigurationNotFoundError"],
  },
  PutBucketEncryption: {
    method: "PUT", path: "/{bucket}", query: { encryption: "" }, tag: "Bucket", summary: "Set the default encryption (SSE-S3, AES256)",
    errors: ["NoSuchBucket", "MalformedXML", "NotImplemented"],
  },
  DeleteBucketEncryption: {
    method: "DELETE", path: "/{bucket}", query: { encryption: "" }, tag: "Bucket", summary: "Remove the default encryption", status: 204, errors: ["NoSuchBucket"],
  },
  GetBucketNotificationConfiguration: {
    method: "GET", path: "/{bucket}", query: { notification: "" }, tag: "Bucket", summary: "The bucket's event notification rules",
    errors: ["NoSuchBucket"],
  },
  PutBucketNotificationConfiguration: {
    method: "PUT", path: "/{bucket}", query: { notification: "" }, tag: "Bucket",
    summary: "Replace the event notification rules (destinations: configured targets by ARN)", errors: ["NoSuchBucket", "MalformedXML", "InvalidArgument"],
  },
  GetBucketLifecycleConfiguration: {
    method: "GET", path: "/{bucket}", query: { lifecycle: "" }, tag: "Bucket", summary: "The bucket's lifecycle rules", errors: ["NoSuchBucket", "NoSuchLifecycleConfiguration"],
  },
  PutBucketLifecycleConfiguration: {
    method: "PUT", path: "/{bucket}", query: { lifecycle: "" }, tag: "Bucket", summary: "Replace the lifecycle rules (expiration, noncurrent versions, delete markers, stale uploads)",
    errors: ["NoSuchBucket", "MalformedXML", "InvalidArgument", "InvalidRequest", "NotImplemented"],
  },
  DeleteBucketLifecycle: {
    method: "DELETE", path: "/{bucket}", query: { lifecycle: "" }, tag: "Bucket", summary: "Remove the lifecycle rules", status: 204, errors: ["NoSuchBucket"],
  },
  GetBucketLogging: {
    method: "GET", path: "/{bucket}", query: { logging: "" }, tag: "Bucket", summary: "Where the bucket's server access logs go (empty: logging off)", errors: ["NoSuchBucket"],
  },
  PutBucketLogging: {
    method: "PUT", path: "/{bucket}", query: { logging: "" }, tag: "Bucket", summary: "Turn server access logging on (target bucket of the same owner, key prefix) or off",
    errors: ["NoSuchBucket", "MalformedXML", "InvalidTargetBucketForLogging", "NotImplemented"],
  },
  PostObject: {
    method: "POST", path: "/{bucket}", header: "content-type", tag: "Object",
    summary: "Browser upload: a multipart/form-data form with a signed policy (POST Object); 204, 200, 201 (PostResponse) or 303 to success_action_redirect",
    status: 204, errors: ["NoSuchBucket", "AccessDenied", "InvalidPolicyDocument", "SignatureDoesNotMatch", "EntityTooLarge", "EntityTooSmall", "MalformedPOSTRequest"],
  },
  GetBucketPolicy: { method: "GET", path: "/{bucket}", query: { policy: "" }, tag: "Bucket", summary: "The bucket policy (JSON, as it was put)", errors: ["NoSuchBucket", "NoSuchBucketPolicy"] },
  PutBucketPolicy: {
    method: "PUT", path: "/{bucket}", query: { policy: "" }, tag: "Bucket", summary: "Replace the bucket policy", status: 204, errors: ["NoSuchBucket", "MalformedPolicy"],
  },
  DeleteBucketPolicy: { method: "DELETE", path: "/{bucket}", query: { policy: "" }, tag: "Bucket", summary: "Remove the bucket policy", status: 204, errors: ["NoSuchBucket"] },
  GetBucketPolicyStatus: {
    method: "GET", path: "/{bucket}", query: { policyStatus: "" }, tag: "Bucket", summary: "Whether the bucket policy makes it public", errors: ["NoSuchBucket", "NoSuchBucketPolicy"],
  },
  GetPublicAccessBlock: {
    method: "GET", path: "/{bucket}", query: { publicAccessBlock: "" }, tag: "Bucket", summary: "The bucket's public access block",
    errors: ["NoSuchBucket", "NoSuchPublicAccessBlockConfiguration"],
  },
  PutPublicAccessBlock: {
    method: "PUT", path: "/{bucket}", query: { publicAccessBlock: "" }, tag: "Bucket", summary: "Block or ignore public ACLs and policies", errors: ["NoSuchBucket", "MalformedXML"],
  },
  DeletePublicAccessBlock: {
    method: "DELETE", path: "/{bucket}", query: { publicAccessBlock: "" }, tag: "Bucket", summary: "Remove the public access block", status: 204, errors: ["NoSuchBucket"],
  },
  GetBucketOwnershipControls: {
    method: "GET", path: "/{bucket}", query: { ownershipControls: "" }, tag: "Bucket", summary: "The bucket's object ownership",
    errors: ["NoSuchBucket", "OwnershipControlsNotFoundError"],
  },
  PutBucketOwnershipControls: {
    method: "PUT", path: "/{bucket}", query: { ownershipControls: "" }, tag: "Bucket", summary: "Set object ownership (BucketOwnerEnforced turns ACLs off)",
    errors: ["NoSuchBucket", "MalformedXML"],
  },
  DeleteBucketOwnershipControls: {
    method: "DELETE", path: "/{bucket}", query: { ownershipControls: "" }, tag: "Bucket", summary: "Back to ObjectWriter", status: 204, errors: ["NoSuchBucket"],
  },
  GetObjectLockConfiguration: {
    method: "GET", path: "/{bucket}", query: { "object-lock": "" }, tag: "Bucket", summary: "The bucket's Object Lock configuration",
    errors: ["NoSuchBucket", "ObjectLockConfigurationNotFoundError"],
  },
  PutObjectLockConfiguration: {
    method: "PUT", path: "/{bucket}", query: { "object-lock": "" }, tag: "Bucket", summary: "Enable Object Lock (versioning Enabled) and set the default retention",
    errors: ["NoSuchBucket", "InvalidBucketState", "MalformedXML", "InvalidArgument"],
  },
  GetObjectRetention: {
    method: "GET", path: "/{bucket}/{key}", query: { retention: "" }, tag: "Object", summary: "A version's retention", params: ["?versionId"],
    errors: ["NoSuchKey", "InvalidRequest", "NoSuchObjectLockConfiguration"],
  },
  PutObjectRetention: {
    method: "PUT", path: "/{bucket}/{key}", query: { retention: "" }, tag: "Object", summary: "Set or extend a version's retention",
    params: ["?versionId", "h:x-amz-bypass-governance-retention"], errors: ["NoSuchKey", "InvalidRequest", "InvalidArgument", "MalformedXML"],
  },
  GetObjectLegalHold: {
    method: "GET", path: "/{bucket}/{key}", query: { "legal-hold": "" }, tag: "Object", summary: "A version's legal hold", params: ["?versionId"],
    errors: ["NoSuchKey", "InvalidRequest", "NoSuchObjectLockConfiguration"],
  },
  PutObjectLegalHold: {
    method: "PUT", path: "/{bucket}/{key}", query: { "legal-hold": "" }, tag: "Object", summary: "Put a legal hold ON or OFF", params: ["?versionId"],
    errors: ["NoSuchKey", "InvalidRequest", "MalformedXML"],
  },
  PreflightCors: {
    method: "OPTIONS", path: "/{bucket}/{key}", tag: "Object", summary: "CORS preflight, answered from the bucket's rules (no signature)",
    params: ["h:Origin", "h:Access-Control-Request-Method", "h:Access-Control-Request-Headers"], errors: ["AccessForbidden"],
  },
  ListObjects: {
    method: "GET", path: "/{bucket}", tag: "Bucket", summary: "List objects (version 1)",
    params: ["?prefix", "?delimiter", "?marker", "?max-keys", "?encoding-type"], errors: ["NoSuchBucket", "InvalidArgument"],
  },
  ListObjectsV2: {
    method: "GET", path: "/{bucket}", query: { "list-type": "2" }, tag: "Bucket", summary: "List objects (version 2)",
    params: ["?prefix", "?delimiter", "?continuation-token", "?start-after", "?max-keys", "?fetch-owner", "?encoding-type"], errors: ["NoSuchBucket", "InvalidArgument"],
  },
  ListObjectVersions: {
    method: "GET", path: "/{bucket}", query: { versions: "" }, tag: "Bucket", summary: "List versions and delete markers",
    params: ["?prefix", "?delimiter", "?key-marker", "?version-id-marker", "?max-keys", "?encoding-type"], errors: ["NoSuchBucket"],
  },
  ListMultipartUploads: {
    method: "GET", path: "/{bucket}", query: { uploads: "" }, tag: "MultipartUpload", summary: "List uploads in progress",
    params: ["?prefix", "?delimiter", "?key-marker", "?upload-id-marker", "?max-uploads"], errors: ["NoSuchBucket"],
  },
  DeleteObjects: {
    method: "POST", path: "/{bucket}", query: { delete: "" }, tag: "Object", summary: "Delete up to 1000 keys (Quiet mode, per-key ETag conditions)",
    params: ["h:Content-MD5", "h:x-amz-checksum-*"], errors: ["NoSuchBucket", "MalformedXML", "InvalidDigest", "BadDigest"],
  },
  PutObject: {
    method: "PUT", path: "/{bucket}/{key}", tag: "Object", summary: "Store an object", params: PUT_HEADERS,
    errors: ["NoSuchBucket", "BadDigest", "InvalidDigest", "EntityTooLarge", "MetadataTooLarge", "PreconditionFailed", "MissingContentLength", ...SSE_REFUSED],
  },
  CopyObject: {
    method: "PUT", path: "/{bucket}/{key}", query: { "x-id": "CopyObject" }, header: "x-amz-copy-source", tag: "Object", summary: "Copy an object (metadata COPY or REPLACE)",
    params: ["h:x-amz-metadata-directive", "h:x-amz-tagging-directive", "h:x-amz-copy-source-if-match", "h:x-amz-copy-source-if-none-match", ...SSE_HEADERS],
    errors: ["NoSuchBucket", "NoSuchKey", "PreconditionFailed", "InvalidRequest", ...SSE_REFUSED],
  },
  CreateMultipartUpload: {
    method: "POST", path: "/{bucket}/{key}", query: { uploads: "" }, tag: "MultipartUpload", summary: "Start a multipart upload",
    params: ["h:Content-Type", "h:x-amz-meta-*", "h:x-amz-acl", "h:x-amz-tagging", "h:x-amz-checksum-algorithm", ...SSE_HEADERS], errors: ["NoSuchBucket", ...SSE_REFUSED],
  },
  GetObject: {
    method: "GET", path: "/{bucket}/{key}", tag: "Object", summary: "Read an object (whole, a range or a part)",
    params: ["?versionId", "?partNumber", "h:Range", ...COND, "h:x-amz-checksum-mode", "?response-content-type"],
    errors: ["NoSuchBucket", "NoSuchKey", "NoSuchVersion", "InvalidRange", "PreconditionFailed", "NotModified", ...KMS_READ],
  },
  HeadObject: {
    method: "HEAD", path: "/{bucket}/{key}", tag: "Object", summary: "An object's headers, without its body",
    params: ["?versionId", "?partNumber", "h:Range", ...COND, "h:x-amz-checksum-mode"], errors: ["NoSuchKey", "PreconditionFailed", "NotModified"],
  },
  DeleteObject: {
    method: "DELETE", path: "/{bucket}/{key}", tag: "Object", summary: "Delete an object or one version (204 even if absent)", status: 204,
    params: ["?versionId", "h:If-Match"], errors: ["NoSuchBucket", "PreconditionFailed"],
  },
  GetObjectAcl: { method: "GET", path: "/{bucket}/{key}", query: { acl: "" }, tag: "Object", summary: "An object's ACL", params: ["?versionId"], errors: ["NoSuchKey"] },
  PutObjectAcl: {
    method: "PUT", path: "/{bucket}/{key}", query: { acl: "" }, tag: "Object", summary: "Set an object's ACL", params: ["?versionId", "h:x-amz-acl", "h:x-amz-grant-*"],
    errors: ["NoSuchKey", "MalformedACLError"],
  },
  GetObjectAttributes: {
    method: "GET", path: "/{bucket}/{key}", query: { attributes: "" }, tag: "Object", summary: "ETag, checksum, parts, storage class and size",
    params: ["?versionId", "h:x-amz-object-attributes", "h:x-amz-max-parts", "h:x-amz-part-number-marker"], errors: ["NoSuchKey", "InvalidArgument"],
  },
  GetObjectTagging: { method: "GET", path: "/{bucket}/{key}", query: { tagging: "" }, tag: "Object", summary: "An object's tags", params: ["?versionId"], errors: ["NoSuchKey"] },
  PutObjectTagging: {
    method: "PUT", path: "/{bucket}/{key}", query: { tagging: "" }, tag: "Object", summary: "Replace an object's tags", params: ["?versionId"], errors: ["NoSuchKey", "InvalidTag", "MalformedXML"],
  },
  DeleteObjectTagging: {
    method: "DELETE", path: "/{bucket}/{key}", query: { tagging: "" }, tag: "Object", summary: "Remove an object's tags", status: 204, params: ["?versionId"], errors: ["NoSuchKey"],
  },
  UploadPart: {
    method: "PUT", path: "/{bucket}/{key}", query: { partNumber: "{partNumber}", uploadId: "{uploadId}" }, tag: "MultipartUpload", summary: "Upload a part (1-10000)",
    params: ["h:Content-MD5", "h:x-amz-checksum-*"], errors: ["NoSuchUpload", "InvalidArgument", "BadDigest", "EntityTooLarge", ...KMS_READ],
  },
  UploadPartCopy: {
    method: "PUT", path: "/{bucket}/{key}", query: { partNumber: "{partNumber}", uploadId: "{uploadId}", "x-id": "UploadPartCopy" }, header: "x-amz-copy-source",
    tag: "MultipartUpload", summary: "Copy a part from an object (optionally a byte range)", params: ["h:x-amz-copy-source-range"],
    errors: ["NoSuchUpload", "NoSuchKey", "InvalidRange", "PreconditionFailed"],
  },
  CompleteMultipartUpload: {
    method: "POST", path: "/{bucket}/{key}", query: { uploadId: "{uploadId}" }, tag: "MultipartUpload", summary: "Join the listed parts into the object",
    params: ["h:If-None-Match", "h:If-Match"], errors: ["NoSuchUpload", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML", "PreconditionFailed"],
  },
  AbortMultipartUpload: {
    method: "DELETE", path: "/{bucket}/{key}", query: { uploadId: "{uploadId}" }, tag: "MultipartUpload", summary: "Abort an upload and free its parts", status: 204,
    errors: ["NoSuchUpload"],
  },
  ListParts: {
    method: "GET", path: "/{bucket}/{key}", query: { uploadId: "{uploadId}" }, tag: "MultipartUpload", summary: "List an upload's parts",
    params: ["?part-number-marker", "?max-parts"], errors: ["NoSuchUpload"],
  },
};

/** Every operation the server answers, S3's bucket settings with "nothing configured" included. */
export const API_ROUTES: readonly ApiRoute[] = [
  ...Object.entries(SERVED).map(([name, entry]) => ({ name, ...entry })),
  ...BUCKET_SETTINGS.flatMap((s): ApiRoute[] => {
    const error = "error" in s.empty ? s.empty.error : undefined;
    return [
      {
        name: `Get${s.stem}`, method: "GET", path: "/{bucket}", query: { [s.query]: "" }, tag: "Bucket",
        summary: `S3's answer when no ${s.query} configuration is set${error ? ` (${error})` : ""}`, errors: ["NoSuchBucket", ...(error ? [error] : [])],
      },
      { name: `Delete${s.stem}`, method: "DELETE", path: "/{bucket}", query: { [s.query]: "" }, tag: "Bucket", summary: "Nothing to delete", status: 204, errors: ["NoSuchBucket"] },
    ];
  }),
];

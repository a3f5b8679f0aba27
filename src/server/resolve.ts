// Request → operation: one place decides which S3 operation a request is (by method, bucket, key,
// query subresources and headers) before any handler runs, for path-style and virtual-hosted URLs.
import { S3Error } from "../errors.ts";

export type Operation =
  | "ListBuckets"
  | "CreateBucket" | "DeleteBucket" | "HeadBucket" | "GetBucketLocation"
  | "GetBucketAcl" | "PutBucketAcl" | "GetBucketVersioning" | "PutBucketVersioning"
  | "ListObjects" | "ListObjectsV2" | "ListObjectVersions" | "ListMultipartUploads"
  | "DeleteObjects"
  | "PutObject" | "GetObject" | "HeadObject" | "DeleteObject" | "CopyObject"
  | "GetObjectAcl" | "PutObjectAcl" | "GetObjectAttributes"
  | "CreateMultipartUpload" | "UploadPart" | "UploadPartCopy" | "CompleteMultipartUpload"
  | "AbortMultipartUpload" | "ListParts"
  /** An operation S3 has that BleepStore does not: `subresource` names it. */
  | "Unsupported";

export interface ResolvedRequest {
  operation: Operation;
  bucket?: string;
  key?: string;
  /** For Unsupported: the AWS operation name, for the NotImplemented message. */
  unsupported?: string;
}

/** Bucket subresources S3 supports and BleepStore does not (yet), by method, with the AWS name stem. */
const BUCKET_SUBRESOURCES: Record<string, string> = {
  policy: "BucketPolicy", cors: "BucketCors", lifecycle: "BucketLifecycleConfiguration",
  tagging: "BucketTagging", website: "BucketWebsite", encryption: "BucketEncryption", logging: "BucketLogging",
  notification: "BucketNotificationConfiguration", replication: "BucketReplication", requestPayment: "BucketRequestPayment",
  "object-lock": "ObjectLockConfiguration", ownershipControls: "BucketOwnershipControls",
  publicAccessBlock: "PublicAccessBlock", accelerate: "BucketAccelerateConfiguration", analytics: "BucketAnalyticsConfiguration",
  "intelligent-tiering": "BucketIntelligentTieringConfiguration", inventory: "BucketInventoryConfiguration",
  metrics: "BucketMetricsConfiguration", policyStatus: "BucketPolicyStatus",
};
const OBJECT_SUBRESOURCES: Record<string, string> = {
  tagging: "ObjectTagging", retention: "ObjectRetention", "legal-hold": "ObjectLegalHold", torrent: "ObjectTorrent",
};

const VERB: Record<string, string> = { GET: "Get", PUT: "Put", DELETE: "Delete", HEAD: "Get" };

function unsupported(name: string): ResolvedRequest {
  return { operation: "Unsupported", unsupported: name };
}

function methodNotAllowed(): never {
  throw new S3Error("MethodNotAllowed");
}

function bucketOperation(method: string, q: URLSearchParams): ResolvedRequest {
  for (const [sub, stem] of Object.entries(BUCKET_SUBRESOURCES)) {
    if (q.has(sub) && VERB[method]) return unsupported(`${VERB[method]}${stem}`);
  }
  if (q.has("versioning") && method === "DELETE") return methodNotAllowed();
  switch (method) {
    case "GET":
      if (q.has("acl")) return { operation: "GetBucketAcl" };
      if (q.has("versioning")) return { operation: "GetBucketVersioning" };
      if (q.has("location")) return { operation: "GetBucketLocation" };
      if (q.has("uploads")) return { operation: "ListMultipartUploads" };
      if (q.has("versions")) return { operation: "ListObjectVersions" };
      if (q.get("list-type") === "2") return { operation: "ListObjectsV2" };
      return { operation: "ListObjects" };
    case "PUT":
      if (q.has("versioning")) return { operation: "PutBucketVersioning" };
      return { operation: q.has("acl") ? "PutBucketAcl" : "CreateBucket" };
    case "HEAD":
      return { operation: "HeadBucket" };
    case "DELETE":
      return { operation: "DeleteBucket" };
    case "POST":
      if (q.has("delete")) return { operation: "DeleteObjects" };
      return methodNotAllowed();
  }
  return methodNotAllowed();
}

function objectOperation(method: string, q: URLSearchParams, headers: Headers): ResolvedRequest {
  if (q.size > 0) {
    for (const [sub, stem] of Object.entries(OBJECT_SUBRESOURCES)) {
      if (q.has(sub) && VERB[method]) return unsupported(`${VERB[method]}${stem}`);
    }
  }
  const copy = headers.has("x-amz-copy-source");
  switch (method) {
    case "GET":
      if (q.has("acl")) return { operation: "GetObjectAcl" };
      if (q.has("uploadId")) return { operation: "ListParts" };
      if (q.has("attributes")) return { operation: "GetObjectAttributes" };
      return { operation: "GetObject" };
    case "HEAD":
      return { operation: "HeadObject" };
    case "PUT":
      if (q.has("acl")) return { operation: "PutObjectAcl" };
      if (q.has("uploadId") || q.has("partNumber")) return { operation: copy ? "UploadPartCopy" : "UploadPart" };
      return { operation: copy ? "CopyObject" : "PutObject" };
    case "DELETE":
      return { operation: q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject" };
    case "POST":
      if (q.has("uploads")) return { operation: "CreateMultipartUpload" };
      if (q.has("uploadId")) return { operation: "CompleteMultipartUpload" };
      if (q.has("restore")) return unsupported("RestoreObject");
      if (q.has("select")) return unsupported("SelectObjectContent");
      return methodNotAllowed();
  }
  return methodNotAllowed();
}

function decode(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new S3Error("InvalidURI");
  }
}

/** The bucket a virtual-hosted request names through its Host header, if any. */
export function hostBucket(host: string | null, domain: string): string | undefined {
  if (!host || !domain) return undefined;
  const name = host.toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  // Most requests are path-style (an IP or a host without the domain): no further work for those.
  if (!name.includes(suffix)) return undefined;
  const bare = name.replace(/:\d+$/, "");
  return bare.endsWith(suffix) && bare.length > suffix.length ? bare.slice(0, -suffix.length) : undefined;
}

/**
 * @param rawPath the path exactly as sent (still percent-encoded, no dot-segment normalisation)
 */
export function resolve(method: string, rawPath: string, query: URLSearchParams, headers: Headers, domain: string): ResolvedRequest {
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  let bucket = hostBucket(headers.get("host"), domain);
  let keyPart: string;
  if (bucket !== undefined) {
    keyPart = path;
  } else {
    const slash = path.indexOf("/");
    bucket = slash < 0 ? path : path.slice(0, slash);
    keyPart = slash < 0 ? "" : path.slice(slash + 1);
    bucket = bucket === "" ? undefined : decode(bucket);
  }
  const key = keyPart === "" ? undefined : decode(keyPart);

  let resolved: ResolvedRequest;
  if (bucket === undefined) {
    if (method !== "GET") methodNotAllowed();
    resolved = { operation: "ListBuckets" };
  } else if (key === undefined) {
    resolved = bucketOperation(method, query);
  } else {
    resolved = objectOperation(method, query, headers);
  }
  if (bucket !== undefined) resolved.bucket = bucket;
  if (key !== undefined) resolved.key = key;
  return resolved;
}

// Request → operation: one place decides which S3 operation a request is (by method, bucket, key,
// query subresources and headers) before any handler runs, for path-style and virtual-hosted URLs.
import { S3Error } from "../errors.ts";
import { bucketSetting, type BucketSetting } from "./bucket-settings.ts";

interface Bucket { bucket: string }
interface Key extends Bucket { key: string }
/** An operation on one version of an object (the current one without versionId). */
interface Version extends Key { versionId?: string }
interface Upload extends Key { uploadId: string }
/** partNumber as sent: NaN when it is not a whole number (the engine answers InvalidArgument). */
interface Part extends Upload { partNumber: number }

/** Every operation BleepStore resolves, by its AWS name, with the parameters its handler gets. */
export interface OperationParams {
  ListBuckets: Record<string, never>;
  CreateBucket: Bucket; DeleteBucket: Bucket; HeadBucket: Bucket; GetBucketLocation: Bucket;
  GetBucketAcl: Bucket; PutBucketAcl: Bucket; GetBucketVersioning: Bucket; PutBucketVersioning: Bucket;
  GetBucketTagging: Bucket; PutBucketTagging: Bucket; DeleteBucketTagging: Bucket;
  GetBucketCors: Bucket; PutBucketCors: Bucket; DeleteBucketCors: Bucket;
  GetBucketEncryption: Bucket; PutBucketEncryption: Bucket; DeleteBucketEncryption: Bucket;
  GetBucketNotificationConfiguration: Bucket; PutBucketNotificationConfiguration: Bucket;
  GetBucketPolicy: Bucket; PutBucketPolicy: Bucket; DeleteBucketPolicy: Bucket; GetBucketPolicyStatus: Bucket;
  GetPublicAccessBlock: Bucket; PutPublicAccessBlock: Bucket; DeletePublicAccessBlock: Bucket;
  GetBucketOwnershipControls: Bucket; PutBucketOwnershipControls: Bucket; DeleteBucketOwnershipControls: Bucket;
  GetBucketLifecycleConfiguration: Bucket; PutBucketLifecycleConfiguration: Bucket; DeleteBucketLifecycle: Bucket;
  GetBucketLogging: Bucket; PutBucketLogging: Bucket;
  GetObjectLockConfiguration: Bucket; PutObjectLockConfiguration: Bucket;
  GetObjectRetention: Version; PutObjectRetention: Version; GetObjectLegalHold: Version; PutObjectLegalHold: Version;
  /** A CORS preflight (OPTIONS) on a bucket or an object: answered from the bucket's rules, no auth. */
  PreflightCors: Bucket & { key?: string };
  ListObjects: Bucket; ListObjectsV2: Bucket; ListObjectVersions: Bucket; ListMultipartUploads: Bucket;
  DeleteObjects: Bucket; PostObject: Bucket;
  PutObject: Key; CopyObject: Key; CreateMultipartUpload: Key;
  GetObject: Version & { partNumber?: number }; HeadObject: Version & { partNumber?: number };
  DeleteObject: Version; GetObjectAcl: Version; PutObjectAcl: Version; GetObjectAttributes: Version;
  GetObjectTagging: Version; PutObjectTagging: Version; DeleteObjectTagging: Version;
  UploadPart: Part; UploadPartCopy: Part;
  CompleteMultipartUpload: Upload; AbortMultipartUpload: Upload; ListParts: Upload;
  /** Reading or deleting a bucket setting BleepStore does not configure (bucket-settings.ts); `name` is the AWS one. */
  GetBucketSetting: Bucket & { setting: BucketSetting; name: string };
  DeleteBucketSetting: Bucket & { setting: BucketSetting; name: string };
  /** An operation S3 has that BleepStore does not: its AWS name, for the NotImplemented message. */
  Unsupported: { name: string; bucket?: string; key?: string };
}

export type Operation = keyof OperationParams;

/** A request resolved: the operation and its parsed parameters, one member per operation. */
export type ResolvedRequest = { [O in Operation]: { operation: O; params: OperationParams[O] } }[Operation];

const OBJECT_SUBRESOURCES: Record<string, string> = { torrent: "ObjectTorrent" };

const VERB: Record<string, string> = { GET: "Get", PUT: "Put", DELETE: "Delete", HEAD: "Get" };

function methodNotAllowed(): never {
  throw new S3Error("MethodNotAllowed");
}

const op = <O extends Operation>(operation: O, params: OperationParams[O]) => ({ operation, params }) as ResolvedRequest;

type Verbs = Partial<Record<"GET" | "PUT" | "DELETE", Operation>>;

/** Subresources that name one setting of a bucket, by method. */
const BUCKET_SUBRESOURCES: ReadonlyArray<[string, Verbs]> = [
  ["cors", { GET: "GetBucketCors", PUT: "PutBucketCors", DELETE: "DeleteBucketCors" }],
  ["object-lock", { GET: "GetObjectLockConfiguration", PUT: "PutObjectLockConfiguration" }],
  ["encryption", { GET: "GetBucketEncryption", PUT: "PutBucketEncryption", DELETE: "DeleteBucketEncryption" }],
  ["tagging", { GET: "GetBucketTagging", PUT: "PutBucketTagging", DELETE: "DeleteBucketTagging" }],
  ["notification", { GET: "GetBucketNotificationConfiguration", PUT: "PutBucketNotificationConfiguration" }],
  ["policyStatus", { GET: "GetBucketPolicyStatus" }],
  ["policy", { GET: "GetBucketPolicy", PUT: "PutBucketPolicy", DELETE: "DeleteBucketPolicy" }],
  ["publicAccessBlock", { GET: "GetPublicAccessBlock", PUT: "PutPublicAccessBlock", DELETE: "DeletePublicAccessBlock" }],
  ["ownershipControls", { GET: "GetBucketOwnershipControls", PUT: "PutBucketOwnershipControls", DELETE: "DeleteBucketOwnershipControls" }],
  ["lifecycle", { GET: "GetBucketLifecycleConfiguration", PUT: "PutBucketLifecycleConfiguration", DELETE: "DeleteBucketLifecycle" }],
  ["logging", { GET: "GetBucketLogging", PUT: "PutBucketLogging" }],
];

/** ... and of one version of an object. */
const OBJECT_SUBRESOURCES_OPS: ReadonlyArray<[string, Verbs]> = [
  ["retention", { GET: "GetObjectRetention", PUT: "PutObjectRetention" }],
  ["legal-hold", { GET: "GetObjectLegalHold", PUT: "PutObjectLegalHold" }],
  ["tagging", { GET: "GetObjectTagging", PUT: "PutObjectTagging", DELETE: "DeleteObjectTagging" }],
];

/** The operation a subresource of `table` names for `method` (MethodNotAllowed for another method). */
function bySubresource(table: ReadonlyArray<[string, Verbs]>, method: string, q: URLSearchParams): Operation | undefined {
  for (const [name, verbs] of table) {
    if (q.has(name)) return verbs[method as keyof Verbs] ?? methodNotAllowed();
  }
  return undefined;
}

function bucketOperation(method: string, q: URLSearchParams, headers: Headers, bucket: string): ResolvedRequest {
  const b = { bucket };
  if (method === "OPTIONS") return op("PreflightCors", b);
  const sub = q.size > 0 ? bySubresource(BUCKET_SUBRESOURCES, method, q) : undefined;
  if (sub) return op(sub as "GetBucketCors", b);
  const setting = q.size > 0 ? bucketSetting(q) : undefined;
  if (setting) {
    const name = `${VERB[method] ?? method}${setting.stem}`;
    if (method === "GET") return op("GetBucketSetting", { bucket, setting, name });
    if (method === "DELETE") return op("DeleteBucketSetting", { bucket, setting, name });
    if (method === "PUT") return op("Unsupported", { name, bucket });
    return methodNotAllowed();
  }
  if (q.has("versioning") && method === "DELETE") return methodNotAllowed();
  switch (method) {
    case "GET":
      if (q.has("acl")) return op("GetBucketAcl", b);
      if (q.has("versioning")) return op("GetBucketVersioning", b);
      if (q.has("location")) return op("GetBucketLocation", b);
      if (q.has("uploads")) return op("ListMultipartUploads", b);
      if (q.has("versions")) return op("ListObjectVersions", b);
      if (q.get("list-type") === "2") return op("ListObjectsV2", b);
      return op("ListObjects", b);
    case "PUT":
      if (q.has("versioning")) return op("PutBucketVersioning", b);
      return op(q.has("acl") ? "PutBucketAcl" : "CreateBucket", b);
    case "HEAD":
      return op("HeadBucket", b);
    case "DELETE":
      return op("DeleteBucket", b);
    case "POST":
      if (q.has("delete")) return op("DeleteObjects", b);
      // A browser upload (POST Object): a form to the bucket URL; anything else posted there is refused by
      // it as S3 refuses it (412: not multipart/form-data).
      return op("PostObject", b);
  }
  return methodNotAllowed();
}

const wholeNumber = (text: string | null) => (text !== null && /^\d+$/.test(text) ? Number(text) : Number.NaN);

function objectOperation(method: string, q: URLSearchParams, headers: Headers, bucket: string, key: string): ResolvedRequest {
  const k = { bucket, key };
  if (method === "OPTIONS") return op("PreflightCors", k);
  if (q.size === 0) {
    // The common case: no subresource, no version, no upload.
    switch (method) {
      case "GET": return op("GetObject", k);
      case "HEAD": return op("HeadObject", k);
      case "PUT": return op(headers.has("x-amz-copy-source") ? "CopyObject" : "PutObject", k);
      case "DELETE": return op("DeleteObject", k);
      case "POST": return methodNotAllowed();
    }
    return methodNotAllowed();
  }
  for (const [sub, stem] of Object.entries(OBJECT_SUBRESOURCES)) {
    if (q.has(sub) && VERB[method]) return op("Unsupported", { name: `${VERB[method]}${stem}`, bucket, key });
  }
  const versionId = q.get("versionId");
  const v = versionId === null ? k : { ...k, versionId };
  const sub = bySubresource(OBJECT_SUBRESOURCES_OPS, method, q);
  if (sub) return op(sub as "GetObjectTagging", v);
  const uploadId = q.get("uploadId");
  const upload = { ...k, uploadId: uploadId ?? "" };
  const partText = q.get("partNumber");
  const copy = headers.has("x-amz-copy-source");
  switch (method) {
    case "GET":
    case "HEAD":
      if (method === "GET" && q.has("acl")) return op("GetObjectAcl", v);
      if (method === "GET" && uploadId !== null) return op("ListParts", upload);
      if (method === "GET" && q.has("attributes")) return op("GetObjectAttributes", v);
      return op(method === "GET" ? "GetObject" : "HeadObject", partText === null ? v : { ...v, partNumber: wholeNumber(partText) });
    case "PUT":
      if (q.has("acl")) return op("PutObjectAcl", v);
      if (uploadId !== null || partText !== null) {
        if (uploadId === null) throw new S3Error("InvalidArgument", { message: "This operation needs an uploadId.", detail: { ArgumentName: "uploadId" } });
        return op(copy ? "UploadPartCopy" : "UploadPart", { ...upload, partNumber: wholeNumber(partText) });
      }
      return op(copy ? "CopyObject" : "PutObject", k);
    case "DELETE":
      return uploadId !== null ? op("AbortMultipartUpload", upload) : op("DeleteObject", v);
    case "POST":
      if (q.has("uploads")) return op("CreateMultipartUpload", k);
      if (uploadId !== null) return op("CompleteMultipartUpload", upload);
      if (q.has("restore")) return op("Unsupported", { name: "RestoreObject", bucket, key });
      if (q.has("select")) return op("Unsupported", { name: "SelectObjectContent", bucket, key });
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

  if (bucket === undefined) {
    if (method !== "GET") methodNotAllowed();
    return op("ListBuckets", {});
  }
  return key === undefined ? bucketOperation(method, query, headers, bucket) : objectOperation(method, query, headers, bucket, key);
}

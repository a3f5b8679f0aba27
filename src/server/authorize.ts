// The one access decision every S3 request passes before its handler: the bucket policy, evaluated for
// the IAM action S3 documents for the operation, on its resource ARN, with the request's condition keys.
// A matching Deny is AccessDenied here (never a hint of what exists); a matching Allow grants the ACL
// permission the action stands for (the engine's ACL checks then pass: acl.ts reads it from the request
// context); no statement: the ACLs decide, as before. The bucket owner may always manage the policy.
import type { Requester } from "../core/acl.ts";
import type { BucketRecord, Permission } from "../metadata/store.ts";
import { evaluate, isPublic, type PolicyRequest } from "../core/policy/evaluate.ts";
import { S3Error } from "../errors.ts";
import { RequestConditions } from "./condition-keys.ts";
import { parseCopySource } from "./copy-source.ts";
import type { S3Request } from "./types.ts";

interface Rule {
  action: string;
  /** What an Allow grants the engine's ACL checks (none: the owner-only operations stay owner-only). */
  permission?: Permission;
  /** The object's ARN, not the bucket's. */
  object?: boolean;
}

const R = (action: string, permission?: Permission, object = false): Rule => ({ action, ...(permission ? { permission } : {}), object });

const RULES: Record<string, Rule> = {
  GetObject: R("s3:GetObject", "READ", true), HeadObject: R("s3:GetObject", "READ", true), GetObjectAttributes: R("s3:GetObjectAttributes", "READ", true),
  PutObject: R("s3:PutObject", "WRITE", true), CopyObject: R("s3:PutObject", "WRITE", true), CreateMultipartUpload: R("s3:PutObject", "WRITE", true),
  UploadPart: R("s3:PutObject", "WRITE", true), UploadPartCopy: R("s3:PutObject", "WRITE", true), CompleteMultipartUpload: R("s3:PutObject", "WRITE", true),
  AbortMultipartUpload: R("s3:AbortMultipartUpload", "WRITE", true), ListParts: R("s3:ListMultipartUploadParts", "READ", true),
  DeleteObject: R("s3:DeleteObject", "WRITE", true),
  GetObjectAcl: R("s3:GetObjectAcl", "READ_ACP", true), PutObjectAcl: R("s3:PutObjectAcl", "WRITE_ACP", true),
  GetObjectTagging: R("s3:GetObjectTagging", "READ", true), PutObjectTagging: R("s3:PutObjectTagging", "WRITE", true),
  DeleteObjectTagging: R("s3:DeleteObjectTagging", "WRITE", true),
  GetObjectRetention: R("s3:GetObjectRetention", "READ", true), PutObjectRetention: R("s3:PutObjectRetention", "WRITE", true),
  GetObjectLegalHold: R("s3:GetObjectLegalHold", "READ", true), PutObjectLegalHold: R("s3:PutObjectLegalHold", "WRITE", true),
  ListObjects: R("s3:ListBucket", "READ"), ListObjectsV2: R("s3:ListBucket", "READ"), HeadBucket: R("s3:ListBucket", "READ"),
  ListObjectVersions: R("s3:ListBucketVersions", "READ"), ListMultipartUploads: R("s3:ListBucketMultipartUploads", "READ"),
  GetBucketAcl: R("s3:GetBucketAcl", "READ_ACP"), PutBucketAcl: R("s3:PutBucketAcl", "WRITE_ACP"),
  DeleteObjects: R("s3:DeleteObject"), DeleteBucket: R("s3:DeleteBucket"), GetBucketLocation: R("s3:GetBucketLocation"),
  GetBucketVersioning: R("s3:GetBucketVersioning"), PutBucketVersioning: R("s3:PutBucketVersioning"),
  GetBucketTagging: R("s3:GetBucketTagging"), PutBucketTagging: R("s3:PutBucketTagging"), DeleteBucketTagging: R("s3:PutBucketTagging"),
  GetBucketCors: R("s3:GetBucketCORS"), PutBucketCors: R("s3:PutBucketCORS"), DeleteBucketCors: R("s3:PutBucketCORS"),
  GetBucketEncryption: R("s3:GetEncryptionConfiguration"), PutBucketEncryption: R("s3:PutEncryptionConfiguration"), DeleteBucketEncryption: R("s3:PutEncryptionConfiguration"),
  GetBucketNotificationConfiguration: R("s3:GetBucketNotification"), PutBucketNotificationConfiguration: R("s3:PutBucketNotification"),
  GetObjectLockConfiguration: R("s3:GetBucketObjectLockConfiguration"), PutObjectLockConfiguration: R("s3:PutBucketObjectLockConfiguration"),
  GetPublicAccessBlock: R("s3:GetBucketPublicAccessBlock"), PutPublicAccessBlock: R("s3:PutBucketPublicAccessBlock"), DeletePublicAccessBlock: R("s3:PutBucketPublicAccessBlock"),
  GetBucketLifecycleConfiguration: R("s3:GetLifecycleConfiguration"), PutBucketLifecycleConfiguration: R("s3:PutLifecycleConfiguration"),
  DeleteBucketLifecycle: R("s3:PutLifecycleConfiguration"),
  GetBucketLogging: R("s3:GetBucketLogging"), PutBucketLogging: R("s3:PutBucketLogging"),
  GetBucketOwnershipControls: R("s3:GetBucketOwnershipControls"), PutBucketOwnershipControls: R("s3:PutBucketOwnershipControls"),
  DeleteBucketOwnershipControls: R("s3:PutBucketOwnershipControls"),
};

/** The bucket owner's own hold on its policy (AWS's account root can always manage it). */
const POLICY_OPS = new Set(["GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy", "GetBucketPolicyStatus"]);

/** The names a Principal can use for this requester: canonical id, access key, and ARN forms. */
export function principalNames(requester: Requester, accessKey: string | undefined): string[] {
  if (!requester) return ANONYMOUS_NAMES;
  const id = `${requester.id}\u0000${requester.displayName}\u0000${accessKey ?? ""}`;
  let names = principalsSeen.get(id);
  if (!names) {
    names = [requester.id, `arn:aws:iam::${requester.id}:root`, `arn:aws:iam::${requester.id}:user/${requester.displayName}`];
    if (accessKey) names.push(accessKey, `arn:aws:iam::${requester.id}:user/${accessKey}`);
    if (principalsSeen.size >= 1000) principalsSeen.clear();
    principalsSeen.set(id, names);
  }
  return names;
}
/** The same few requesters come again and again: their names are made once (never changed by a caller). */
const principalsSeen = new Map<string, string[]>();
const ANONYMOUS_NAMES: string[] = [];

/** Operations that name no bucket, or one that does not exist yet: decided by the key's own policy only. */
const UNBUCKETED: Record<string, string> = { ListBuckets: "s3:ListAllMyBuckets", CreateBucket: "s3:CreateBucket" };

/** What the decision hands the request's handling. */
export interface Authorized {
  /** ACL permissions a policy Allow granted. */
  granted: Set<Permission>;
  /** The bucket's public access block, for the ACL checks and ACLs written by the request. */
  publicAccess?: { blockPublicAcls: boolean; ignorePublicAcls: boolean };
  /** The request's bucket as the decision read it (its access logging target, for one). */
  bucket?: BucketRecord;
}

const ACL_WRITES = new Set(["PutObject", "CopyObject", "CreateMultipartUpload", "PutBucketAcl", "PutObjectAcl"]);

/** BucketOwnerEnforced: ACLs are off; a request that sets one (other than the owner's full control) is refused. */
function refuseAcls(req: S3Request): void {
  const canned = req.headers.get("x-amz-acl");
  const grants = [...req.headers.keys()].some((h) => h.startsWith("x-amz-grant-"));
  const aclOp = req.operation === "PutBucketAcl" || req.operation === "PutObjectAcl";
  if (grants || (canned !== null && canned !== "bucket-owner-full-control") || (aclOp && canned !== "bucket-owner-full-control")) {
    throw new S3Error("AccessControlListNotSupported");
  }
}

/**
 * Decides `req`: AccessDenied on a Deny (the bucket policy's or the key's own), or when the key has a
 * policy of its own and neither it nor the bucket policy allows; else the ACL permissions an Allow
 * grants (empty: the ACLs decide). `sourceIp` (asked only by a condition on it) and `secure` describe
 * the connection.
 */
export async function authorize(req: S3Request, sourceIp: () => string, secure: boolean): Promise<Authorized> {
  const granted = new Set<Permission>();
  const result: Authorized = { granted };
  const params = req.params as { bucket?: string; key?: string; name?: string };
  const credential = req.requester && req.auth.accessKey ? (req.auth.credential ?? await req.engine.credential(req.auth.accessKey)) : null;
  const limit = req.engine.policies.ofKey(credential?.policy);
  let principals: string[] | undefined;
  let cached: RequestConditions | undefined;
  const request = (action: string, bucketName: string | undefined, key: string | undefined, anyResource = false): PolicyRequest => {
    cached ??= new RequestConditions(req, sourceIp, secure);
    principals ??= principalNames(req.requester, req.auth.accessKey);
    const resource = bucketName === undefined ? "arn:aws:s3:::*" : key === undefined ? `arn:aws:s3:::${bucketName}` : `arn:aws:s3:::${bucketName}/${key}`;
    return { principals, action, resource, values: cached, ...(anyResource ? { anyResource } : {}) };
  };
  /** Both policies' word on one action on one resource; throws on a Deny, or on a limited key's silence. */
  const decide = (
    policyText: string | undefined, bucketName: string | undefined, action: string, key: string | undefined,
    options: { anyResource?: boolean; ownPolicy?: boolean; restricted?: boolean } = {},
  ) => {
    const bucketPolicy = bucketName === undefined || options.ownPolicy ? undefined : req.engine.policies.compiled(bucketName, policyText);
    // No policy on either side (most requests): nothing to evaluate, nothing to build.
    if (!bucketPolicy && !limit) return undefined;
    const r = request(action, bucketName, key, options.anyResource);
    const said = evaluate(bucketPolicy, r);
    // A restricted public policy still denies; its Allow no longer opens the bucket to others.
    const fromBucket = options.restricted && said === "Allow" ? undefined : said;
    const fromKey = evaluate(limit, r);
    if (fromBucket === "Deny" || fromKey === "Deny") throw new S3Error("AccessDenied");
    if (limit && !options.anyResource && fromKey !== "Allow" && fromBucket !== "Allow") throw new S3Error("AccessDenied");
    return fromBucket === "Allow" || fromKey === "Allow" ? "Allow" : undefined;
  };

  const unbucketed = UNBUCKETED[req.operation];
  if (unbucketed) {
    if (limit) decide(undefined, req.operation === "CreateBucket" ? params.bucket : undefined, unbucketed, undefined, { ownPolicy: true });
    return result;
  }
  if (params.bucket === undefined) return result;
  const bucket = await req.engine.buckets.get(params.bucket).catch(() => undefined);
  if (bucket) result.bucket = bucket;
  if (bucket?.publicAccessBlock) {
    const { blockPublicAcls, ignorePublicAcls } = bucket.publicAccessBlock;
    result.publicAccess = { blockPublicAcls, ignorePublicAcls };
  }
  if (bucket?.ownership === "BucketOwnerEnforced" && ACL_WRITES.has(req.operation)) refuseAcls(req);
  const isOwner = bucket !== undefined && req.requester !== null && req.requester.id === bucket.owner.id;
  // RestrictPublicBuckets: a public policy speaks only for the bucket owner.
  const restricted = bucket?.publicAccessBlock?.restrictPublicBuckets === true && !isOwner && bucket.policy !== undefined
    && isPublic(req.engine.policies.compiled(bucket.name, bucket.policy)!);
  const operation = params.name ?? req.operation;
  // The bucket owner may always manage the bucket policy (a limited key only as its own policy allows).
  if (POLICY_OPS.has(operation)) {
    if (limit) decide(undefined, params.bucket, `s3:${operation}`, undefined, { ownPolicy: true });
    if (isOwner || !bucket) return result;
  }
  const rule = RULES[req.operation];
  if (rule) {
    const key = rule.object ? params.key : undefined;
    // DeleteObjects names its keys in its body: a Deny of s3:DeleteObject on any of the bucket's keys refuses it whole.
    const deleteMany = req.operation === "DeleteObjects";
    const decision = decide(bucket?.policy, params.bucket, rule.action, key, { anyResource: deleteMany, restricted });
    if (deleteMany && limit && evaluate(limit, request(rule.action, params.bucket, "*")) !== "Allow") throw new S3Error("AccessDenied");
    if (decision === "Allow" && rule.permission && !deleteMany) granted.add(rule.permission);
  } else if (limit && RULES[operation] === undefined && !POLICY_OPS.has(operation)) {
    // An operation without a rule (a setting S3 has and this server answers empty): a limited key needs an Allow.
    decide(undefined, params.bucket, `s3:Get${operation.replace(/^(Get|Put|Delete)/, "")}`, undefined, { ownPolicy: true });
  }
  // A copy also reads its source, decided by the source bucket's policy (and the key's).
  if (req.operation === "CopyObject" || req.operation === "UploadPartCopy") {
    const header = req.headers.get("x-amz-copy-source");
    if (header !== null) {
      const source = parseCopySource(header);
      const sourceBucket = source.bucket === params.bucket ? bucket : await req.engine.buckets.get(source.bucket).catch(() => undefined);
      if (decide(sourceBucket?.policy, source.bucket, "s3:GetObject", source.key) === "Allow") granted.add("READ");
    }
  }
  return result;
}

// Requests that ask for a protection: every header and query parameter S3 defines to change how data
// is protected, kept or conditioned, with BleepStore's state for each. A request naming one that is
// refused gets S3's error for it before its handler runs, so nothing is stored, read or deleted under a
// promise BleepStore would not keep. One table: the guard reads it, and e2e/protection.test.ts walks it.
import { invalidArgument, S3Error } from "../errors.ts";
import type { Operation } from "./resolve.ts";

export type ProtectionState = "implemented" | "refused";

export interface ProtectionRule {
  /** Lower-case header name, or the query parameter's name when `in` is "query". */
  name: string;
  in: "header" | "query";
  /** What the header asks for, in the words of the error message. */
  feature: string;
  state: ProtectionState;
  /** The operations it applies to; absent, every operation. */
  operations?: readonly Operation[];
  /**
   * For refused rules: the error for a value, or null when that value asks for nothing (such as
   * `x-amz-bucket-object-lock-enabled: false`). Absent: NotImplemented naming the header.
   */
  refuse?: (value: string) => S3Error | null;
  /** A value a client would send; the e2e walk uses it. */
  example: string;
}

const WRITES: readonly Operation[] = ["PutObject", "CopyObject", "CreateMultipartUpload"];
const SSE_C_TARGETS: readonly Operation[] = [
  "PutObject", "GetObject", "HeadObject", "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy",
  "CompleteMultipartUpload", "GetObjectAttributes",
];
const COPIES: readonly Operation[] = ["CopyObject", "UploadPartCopy"];

export function notImplementedHeader(name: string, feature: string): S3Error {
  return new S3Error("NotImplemented", {
    message: `${feature} (${name}) is not implemented by BleepStore; the request was refused and nothing was changed.`,
    detail: { Header: name },
  });
}

const unlessValue = (harmless: string, name: string, feature: string) => (value: string) =>
  value.trim().toLowerCase() === harmless.toLowerCase() ? null : notImplementedHeader(name, feature);

const SSE_METHODS: Record<string, string> = {
  "aws:kms": "Server-side encryption with KMS keys (SSE-KMS)",
  "aws:kms:dsse": "Dual-layer server-side encryption with KMS keys (DSSE-KMS)",
};

/** SSE-S3 (AES256) and SSE-KMS (aws:kms) are given; DSSE-KMS is refused, and an unknown method is invalid. */
function refuseSse(value: string): S3Error | null {
  if (value.trim() === "AES256" || value.trim() === "aws:kms") return null;
  const feature = SSE_METHODS[value.trim()];
  if (feature === undefined) {
    return invalidArgument("The encryption method specified is not supported", "x-amz-server-side-encryption", value);
  }
  return notImplementedHeader("x-amz-server-side-encryption", feature);
}

const refused = (name: string, feature: string, example: string, operations?: readonly Operation[], refuse?: ProtectionRule["refuse"]): ProtectionRule => ({
  name, in: "header", feature, state: "refused", example,
  ...(operations ? { operations } : {}), ...(refuse ? { refuse } : {}),
});
const implemented = (name: string, feature: string, example: string, operations?: readonly Operation[]): ProtectionRule => ({
  name, in: "header", feature, state: "implemented", example, ...(operations ? { operations } : {}),
});

const SSE_C = "Server-side encryption with customer-provided keys (SSE-C)";
const SSE_C_COPY = "Copying from an SSE-C object";
const CONDITIONAL_DELETE_DIRECTORY = "A directory-bucket delete precondition (S3 general purpose buckets do not have it)";
const TIME_PRECONDITION = "A time precondition on a write or delete (S3 defines If-Match and If-None-Match: * there)";

export const PROTECTION_RULES: readonly ProtectionRule[] = [
  // Encryption at rest: SSE-S3, SSE-KMS (the key manager in the binary, core/kms.ts) and SSE-C are
  // given (core/sse.ts); DSSE-KMS is not. The KMS headers go with x-amz-server-side-encryption: aws:kms.
  implemented("x-amz-server-side-encryption", "Server-side encryption with S3-managed keys (SSE-S3)", "AES256", WRITES),
  implemented("x-amz-server-side-encryption", "Server-side encryption with KMS keys (SSE-KMS)", "aws:kms", WRITES),
  refused("x-amz-server-side-encryption", "Dual-layer server-side encryption with KMS keys", "aws:kms:dsse", undefined, refuseSse),
  implemented("x-amz-server-side-encryption-aws-kms-key-id", "SSE-KMS key", "alias/aws/s3", WRITES),
  implemented("x-amz-server-side-encryption-context", "SSE-KMS encryption context", "eyJhIjoiYiJ9", WRITES),
  implemented("x-amz-server-side-encryption-bucket-key-enabled", "S3 Bucket Keys for SSE-KMS", "true", WRITES),
  // SSE-C's three headers go together (server/sse-headers.ts checks the set); the walk sends all three.
  implemented("x-amz-server-side-encryption-customer-algorithm", SSE_C, "AES256", SSE_C_TARGETS),
  implemented("x-amz-server-side-encryption-customer-key", SSE_C, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", SSE_C_TARGETS),
  implemented("x-amz-server-side-encryption-customer-key-md5", SSE_C, "hRasmdxgYDKV3nvbahU1MA==", SSE_C_TARGETS),
  implemented("x-amz-copy-source-server-side-encryption-customer-algorithm", SSE_C_COPY, "AES256", COPIES),
  implemented("x-amz-copy-source-server-side-encryption-customer-key", SSE_C_COPY, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", COPIES),
  implemented("x-amz-copy-source-server-side-encryption-customer-key-md5", SSE_C_COPY, "hRasmdxgYDKV3nvbahU1MA==", COPIES),
  // Retention (core/object-lock.ts): on a bucket without Object Lock a write that asks for it is
  // InvalidRequest "Bucket is missing Object Lock Configuration", as in S3; mode and date go together.
  implemented("x-amz-object-lock-mode", "Object Lock retention", "COMPLIANCE", WRITES),
  implemented("x-amz-object-lock-retain-until-date", "Object Lock retention", "2030-01-01T00:00:00Z", WRITES),
  implemented("x-amz-object-lock-legal-hold", "Object Lock legal hold", "ON", WRITES),
  implemented("x-amz-bucket-object-lock-enabled", "Object Lock", "true", ["CreateBucket"]),
  refused("x-amz-object-ownership", "Object Ownership other than ObjectWriter", "BucketOwnerEnforced", ["CreateBucket"],
    unlessValue("ObjectWriter", "x-amz-object-ownership", "Object Ownership other than ObjectWriter")),
  refused("x-amz-mfa", "MFA delete", "arn:aws:iam::111122223333:mfa/user 123456"),
  // Skips a GOVERNANCE retention, for the bucket's owner (tools that empty buckets send it on every delete).
  implemented("x-amz-bypass-governance-retention", "Bypassing GOVERNANCE retention", "true", ["DeleteObject", "DeleteObjects", "PutObjectRetention"]),
  // What is kept with an object.
  implemented("x-amz-tagging", "Object tagging", "project=blue", WRITES),
  refused("x-amz-website-redirect-location", "Website redirects", "/elsewhere.html", WRITES),
  refused("x-amz-write-offset-bytes", "Appending to an object (directory buckets)", "0", ["PutObject"]),
  // Preconditions.
  implemented("if-none-match", "If-None-Match: * on a write", "*", ["PutObject", "CompleteMultipartUpload", "CopyObject"]),
  implemented("if-match", "If-Match on a write or delete", "*", ["DeleteObject", "PutObject", "CompleteMultipartUpload", "CopyObject"]),
  refused("if-none-match", "If-None-Match on a delete", "*", ["DeleteObject"]),
  refused("if-modified-since", TIME_PRECONDITION, "Wed, 01 Jan 2020 00:00:00 GMT",
    ["DeleteObject", "PutObject", "CompleteMultipartUpload", "CopyObject"]),
  refused("if-unmodified-since", TIME_PRECONDITION, "Wed, 01 Jan 2020 00:00:00 GMT",
    ["DeleteObject", "PutObject", "CompleteMultipartUpload", "CopyObject"]),
  refused("x-amz-if-match-last-modified-time", CONDITIONAL_DELETE_DIRECTORY, "Wed, 01 Jan 2020 00:00:00 GMT"),
  refused("x-amz-if-match-size", CONDITIONAL_DELETE_DIRECTORY, "1"),
  refused("x-amz-if-match-initiated-time", CONDITIONAL_DELETE_DIRECTORY, "Wed, 01 Jan 2020 00:00:00 GMT"),
  // Access.
  implemented("x-amz-expected-bucket-owner", "Expected bucket owner", "<owner>"),
  implemented("x-amz-source-expected-bucket-owner", "Expected source bucket owner", "<owner>", COPIES),
  // Versions: a version id names the version to read, copy or delete (the engine checks it).
  { name: "versionId", in: "query", feature: "Object versions", state: "implemented", example: "null" },
];

const QUERY_RULES = PROTECTION_RULES.filter((r) => r.state === "refused" && r.in === "query");

/** Per operation, the refused header rules that apply to it: a request is checked by name, not walked. */
const HEADER_RULES = new Map<Operation, ProtectionRule[]>();
function headerRules(operation: Operation): ProtectionRule[] {
  let rules = HEADER_RULES.get(operation);
  if (!rules) {
    rules = PROTECTION_RULES.filter((r) => r.state === "refused" && r.in === "header" && (!r.operations || r.operations.includes(operation)));
    HEADER_RULES.set(operation, rules);
  }
  return rules;
}

function check(rule: ProtectionRule, value: string): void {
  const err = rule.refuse ? rule.refuse(value) : notImplementedHeader(rule.name, rule.feature);
  if (err) throw err;
}

/** Throws S3's error for the first refused protection the request asks for. */
export function refuseUnprotected(operation: Operation, headers: Headers, query: URLSearchParams): void {
  for (const rule of headerRules(operation)) {
    const value = headers.get(rule.name);
    if (value !== null) check(rule, value);
  }
  if (query.size === 0) return;
  for (const rule of QUERY_RULES) {
    if (rule.operations && !rule.operations.includes(operation)) continue;
    const value = query.get(rule.name);
    if (value !== null) check(rule, value);
  }
}

/**
 * x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner: the request goes ahead only if
 * the bucket (and the copy source's bucket) belongs to that owner; otherwise 403 AccessDenied.
 */
export async function checkExpectedOwners(
  bucket: string | undefined, headers: Headers, ownerOf: (bucket: string) => Promise<string>, copySourceBucket: () => string | undefined,
): Promise<void> {
  const expected = headers.get("x-amz-expected-bucket-owner");
  if (expected !== null && bucket !== undefined && (await ownerOf(bucket)) !== expected.trim()) throw new S3Error("AccessDenied");
  const expectedSource = headers.get("x-amz-source-expected-bucket-owner");
  const source = expectedSource === null ? undefined : copySourceBucket();
  if (source !== undefined && (await ownerOf(source)) !== expectedSource!.trim()) throw new S3Error("AccessDenied");
}

// A bucket policy as AWS documents the language: Version, Id, Statement[] of Sid, Effect,
// Principal/NotPrincipal, Action/NotAction, Resource/NotResource, Condition. Parsed once into a
// compiled form (wildcards as regular expressions); what AWS rejects is MalformedPolicy with AWS's
// reason. The document is kept as it was put (GetBucketPolicy returns it unchanged).
import { S3Error } from "../../errors.ts";
import { compileConditions, CONDITION_OPERATORS, type ConditionBlock, type ConditionCheck } from "./conditions.ts";
import { wildcard } from "./wildcard.ts";

export const MAX_POLICY_BYTES = 20 * 1024;

export interface Statement {
  sid?: string;
  effect: "Allow" | "Deny";
  /** Principals as written: "*" (everyone, anonymous included) or AWS ids/ARNs; `not` for NotPrincipal. */
  principal: { not: boolean; any: boolean; aws: string[] } | undefined;
  action: { not: boolean; patterns: RegExp[] };
  /** Resource patterns, each compiled unless it holds a policy variable (then per request). */
  resource: { not: boolean; patterns: Array<{ text: string; re?: RegExp }> };
  /** As written (GetBucketPolicyStatus reads it). */
  condition: ConditionBlock;
  /** The same, compiled for evaluation. */
  checks: ConditionCheck[];
}

export interface Policy {
  statements: Statement[];
}

const malformed = (reason: string) => new S3Error("MalformedPolicy", { message: reason });

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The S3 actions a policy may name (with wildcards, which must match one of them): known ones only, as AWS checks. */
export const S3_ACTIONS = [
  "AbortMultipartUpload", "BypassGovernanceRetention", "CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "DeleteObject", "DeleteObjectTagging",
  "DeleteObjectVersion", "DeleteObjectVersionTagging", "GetBucketAcl", "GetBucketCORS", "GetBucketLocation", "GetBucketLogging", "GetBucketNotification",
  "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls", "GetBucketPolicy", "GetBucketPolicyStatus", "GetBucketPublicAccessBlock",
  "GetBucketTagging", "GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration", "GetLifecycleConfiguration", "GetObject", "GetObjectAcl",
  "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging", "GetObjectVersion", "GetObjectVersionAcl",
  "GetObjectVersionAttributes", "GetObjectVersionTagging", "ListAllMyBuckets", "ListBucket", "ListBucketMultipartUploads", "ListBucketVersions",
  "ListMultipartUploadParts", "PutBucketAcl", "PutBucketCORS", "PutBucketLogging", "PutBucketNotification", "PutBucketObjectLockConfiguration",
  "PutBucketOwnershipControls", "PutBucketPolicy", "PutBucketPublicAccessBlock", "PutBucketTagging", "PutBucketVersioning", "PutBucketWebsite",
  "PutEncryptionConfiguration", "PutLifecycleConfiguration", "PutObject", "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention", "PutObjectTagging",
  "PutObjectVersionAcl", "PutObjectVersionTagging", "RestoreObject",
].map((a) => `s3:${a}`);
const knownAction = (a: string) => a === "*" || S3_ACTIONS.some((known) => wildcard(a, true).test(known));

function principalOf(value: unknown, not: boolean): Statement["principal"] {
  if (value === "*") return { not, any: true, aws: [] };
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed("Invalid principal in policy");
  const entries = Object.entries(value as Record<string, unknown>);
  const aws: string[] = [];
  let any = false;
  for (const [kind, ids] of entries) {
    if (kind !== "AWS" && kind !== "CanonicalUser") throw malformed("Invalid principal in policy");
    for (const id of list(ids)) {
      if (typeof id !== "string" || id === "") throw malformed("Invalid principal in policy");
      if (id === "*") any = true;
      else aws.push(id);
    }
  }
  return { not, any, aws };
}

/**
 * A key's own policy (an identity policy): no Principal (it is the key's), resources anywhere in this
 * server (arn:aws:s3:::<bucket>[/<key>], wildcards allowed).
 */
export function parseIdentityPolicy(text: string): Policy {
  return parsePolicy(text, undefined);
}

/** `bucket`: the bucket a bucket policy is for (its resources must be within it); undefined for a key's policy. */
export function parsePolicy(text: string, bucket: string | undefined): Policy {
  if (new TextEncoder().encode(text).length > MAX_POLICY_BYTES) throw malformed("Policy exceeds the maximum allowed document size.");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed("This policy contains invalid Json");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw malformed("This policy contains invalid Json");
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!["Version", "Id", "Statement"].includes(k)) throw malformed(`Unknown field ${k}`);
  if (d.Version !== undefined && d.Version !== "2012-10-17" && d.Version !== "2008-10-17") throw malformed("Invalid policy version");
  const raw = list(d.Statement);
  if (raw.length === 0) throw malformed("Could not parse the policy: Statement is empty!");
  return {
    statements: raw.map((s) => {
      if (typeof s !== "object" || s === null || Array.isArray(s)) throw malformed("This policy contains invalid Json");
      const st = s as Record<string, unknown>;
      for (const k of Object.keys(st)) {
        if (!["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"].includes(k)) throw malformed(`Unknown field ${k}`);
      }
      if (st.Effect !== "Allow" && st.Effect !== "Deny") throw malformed("Missing required field Effect");
      if (bucket === undefined) {
        if (st.Principal !== undefined || st.NotPrincipal !== undefined) throw malformed("Policy document should not specify a principal.");
      } else if ((st.Principal === undefined) === (st.NotPrincipal === undefined)) {
        throw malformed("Missing required field Principal");
      }
      if ((st.Action === undefined) === (st.NotAction === undefined)) throw malformed("Missing required field Action");
      if ((st.Resource === undefined) === (st.NotResource === undefined)) throw malformed("Missing required field Resource");
      const actions = list(st.Action ?? st.NotAction);
      for (const a of actions) if (typeof a !== "string" || !knownAction(a)) throw malformed("Policy has invalid action");
      const resources = list(st.Resource ?? st.NotResource);
      for (const r of resources) {
        if (typeof r !== "string") throw malformed("Policy has invalid resource");
        if (bucket === undefined) {
          if (r !== "*" && !r.startsWith("arn:aws:s3:::")) throw malformed("Policy has invalid resource");
          continue;
        }
        // A bucket policy speaks of its own bucket: its ARN or its objects' (wildcards allowed in the key part).
        const arn = r === "*" ? `arn:aws:s3:::${bucket}` : r;
        if (arn !== `arn:aws:s3:::${bucket}` && !arn.startsWith(`arn:aws:s3:::${bucket}/`) && !wildcard(arn).test(`arn:aws:s3:::${bucket}`)) {
          throw malformed("Policy has invalid resource");
        }
      }
      const condition = (st.Condition ?? {}) as ConditionBlock;
      if (typeof condition !== "object" || condition === null || Array.isArray(condition)) throw malformed("Invalid Condition");
      for (const op of Object.keys(condition)) {
        const base = op.replace(/^(ForAnyValue|ForAllValues):/, "").replace(/IfExists$/, "");
        if (!CONDITION_OPERATORS.has(base)) throw malformed(`Invalid Condition type : ${op}`);
      }
      return {
        ...(typeof st.Sid === "string" ? { sid: st.Sid } : {}),
        effect: st.Effect,
        // A key's own policy speaks for that key: every statement is its.
        principal: bucket === undefined ? { not: false, any: true, aws: [] } : principalOf(st.Principal ?? st.NotPrincipal, st.NotPrincipal !== undefined),
        action: { not: st.NotAction !== undefined, patterns: actions.map((a) => wildcard(a as string, true)) },
        resource: {
          not: st.NotResource !== undefined,
          patterns: (resources as string[]).map((text) => (text.includes("${") ? { text } : { text, re: text === "*" ? /^/ : wildcard(text) })),
        },
        condition,
        checks: compileConditions(condition),
      };
    }),
  };
}

const builtin = (actions: string[]) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: ["arn:aws:s3:::*"] }] });

/** Key policies by the names MinIO gives them (mc admin policy attach), so users coming from it find the same words. */
export const BUILTIN_POLICIES: Record<string, string> = {
  readonly: builtin(["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListAllMyBuckets"]),
  writeonly: builtin(["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListAllMyBuckets"]),
  readwrite: builtin(["s3:*"]),
  consoleAdmin: builtin(["s3:*"]),
};

/** A key policy as stored (a built-in's name, or JSON) compiled. */
export const keyPolicy = (stored: string): Policy => parseIdentityPolicy(BUILTIN_POLICIES[stored] ?? stored);

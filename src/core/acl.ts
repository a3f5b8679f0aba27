// Canned ACLs, grant checks and the requester model shared by every operation.
import { currentRequest } from "./request-context.ts";
import { S3Error } from "../errors.ts";
import type { Acl, Grant, Owner, Permission } from "../metadata/store.ts";

export const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
export const AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
export const LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";

export const CANNED_ACLS = [
  "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
  "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

/** Who is asking: an authenticated owner, or null for an anonymous request. */
export type Requester = Owner | null;

/** The canonical user S3 shows as the owner of what an anonymous request wrote. */
export const ANONYMOUS: Owner = { id: "65a011a29cdf8ec533ec3d1ccaae921c", displayName: "anonymous" };

/** How a request sets an ACL: a canned name, or explicit grants (from x-amz-grant-* or a policy body). */
export type AclSpec = string | { grants: Grant[] };

const PERMISSIONS: readonly Permission[] = ["FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"];
const GROUPS = [ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/**
 * The ACL a spec stands for, with `owner` as its owner. Explicit grants must name known users
 * (`knownUser` answers for a canonical id) and known groups.
 */
export async function resolveAcl(
  spec: AclSpec,
  owner: Owner,
  bucketOwner: Owner,
  knownUser: (id: string) => Promise<Owner | null>,
): Promise<Acl> {
  if (typeof spec === "string") return refusePublic(cannedAcl(spec, owner, bucketOwner));
  const grants: Grant[] = [];
  for (const grant of spec.grants) {
    const g = grant.grantee;
    if (g.type === "AmazonCustomerByEmail") throw new S3Error("UnresolvableGrantByEmailAddress", { detail: { EmailAddress: g.email } });
    if (g.type === "Group" && !GROUPS.includes(g.uri)) {
      throw new S3Error("InvalidArgument", { message: "Invalid group uri", detail: { ArgumentName: "uri", ArgumentValue: g.uri } });
    }
    if (g.type === "CanonicalUser") {
      const user = await knownUser(g.id);
      if (!user) throw new S3Error("InvalidArgument", { message: "Invalid id", detail: { ArgumentName: "CanonicalUser/ID", ArgumentValue: g.id } });
      grants.push({ grantee: { type: "CanonicalUser", id: user.id, displayName: user.displayName }, permission: grant.permission });
      continue;
    }
    grants.push(grant);
  }
  return refusePublic({ owner, grants });
}

/** BlockPublicAcls: an ACL granting everyone anything is refused (AccessDenied), as S3 does. */
function refusePublic(acl: Acl): Acl {
  if (currentRequest().publicAccess?.blockPublicAcls && acl.grants.some(isPublicGrant)) throw new S3Error("AccessDenied");
  return acl;
}

const userGrant = (owner: Owner, permission: Permission): Grant => ({
  grantee: { type: "CanonicalUser", id: owner.id, displayName: owner.displayName },
  permission,
});
const groupGrant = (uri: string, permission: Permission): Grant => ({ grantee: { type: "Group", uri }, permission });

export function isCannedAcl(value: string): value is CannedAcl {
  return (CANNED_ACLS as readonly string[]).includes(value);
}

/** The ACL a canned name stands for; `bucketOwner` matters only for the bucket-owner-* forms on objects. */
export function cannedAcl(name: string, owner: Owner, bucketOwner: Owner = owner): Acl {
  if (!isCannedAcl(name)) throw new S3Error("InvalidArgument", { message: `Invalid canned ACL: ${name}`, detail: { ArgumentName: "x-amz-acl", ArgumentValue: name } });
  const grants: Grant[] = [userGrant(owner, "FULL_CONTROL")];
  switch (name) {
    case "public-read":
      grants.push(groupGrant(ALL_USERS, "READ"));
      break;
    case "public-read-write":
      grants.push(groupGrant(ALL_USERS, "READ"), groupGrant(ALL_USERS, "WRITE"));
      break;
    case "authenticated-read":
      grants.push(groupGrant(AUTHENTICATED_USERS, "READ"));
      break;
    case "bucket-owner-read":
      if (bucketOwner.id !== owner.id) grants.push(userGrant(bucketOwner, "READ"));
      break;
    case "bucket-owner-full-control":
      if (bucketOwner.id !== owner.id) grants.push(userGrant(bucketOwner, "FULL_CONTROL"));
      break;
    case "log-delivery-write":
      grants.push(groupGrant(LOG_DELIVERY, "WRITE"), groupGrant(LOG_DELIVERY, "READ_ACP"));
      break;
    case "private":
    case "aws-exec-read":
      break;
  }
  return { owner, grants };
}

/** A grant to everyone or to every authenticated user: what the public access block speaks of. */
export const isPublicGrant = (g: Grant) => g.grantee.type === "Group" && (g.grantee.uri === ALL_USERS || g.grantee.uri === AUTHENTICATED_USERS);

function grantMatches(grant: Grant, requester: Requester): boolean {
  const g = grant.grantee;
  // IgnorePublicAcls: grants to everyone count for nothing.
  if (g.type === "Group" && isPublicGrant(grant) && currentRequest().publicAccess?.ignorePublicAcls) return false;
  if (g.type === "Group") return g.uri === ALL_USERS || (g.uri === AUTHENTICATED_USERS && requester !== null);
  if (g.type === "CanonicalUser") return requester !== null && g.id === requester.id;
  return false;
}

/**
 * Whether the requester holds `permission` (FULL_CONTROL implies all); the ACL's owner always does, and
 * so does a request a bucket policy allowed it to (the access decision, server/authorize.ts).
 */
export function allows(acl: Acl, requester: Requester, permission: Permission): boolean {
  if (requester && requester.id === acl.owner.id) return true;
  if (currentRequest().granted?.has(permission)) return true;
  return acl.grants.some((g) => (g.permission === permission || g.permission === "FULL_CONTROL") && grantMatches(g, requester));
}

export function requirePermission(acl: Acl, requester: Requester, permission: Permission): void {
  if (!allows(acl, requester, permission)) throw new S3Error("AccessDenied");
}

/**
 * Who owns a new object, by the bucket's object ownership: the writer (ObjectWriter, the default);
 * the bucket owner when the writer gives it full control (BucketOwnerPreferred) or always, with ACLs
 * off (BucketOwnerEnforced: the object's ACL is the owner's alone).
 */
export function objectOwner(bucket: { owner: Owner; ownership?: string }, writer: Owner, spec: AclSpec | undefined): { owner: Owner; spec: AclSpec } {
  if (bucket.ownership === "BucketOwnerEnforced") return { owner: bucket.owner, spec: "private" };
  if (bucket.ownership === "BucketOwnerPreferred" && spec === "bucket-owner-full-control") return { owner: bucket.owner, spec: "private" };
  return { owner: writer, spec: spec ?? "private" };
}

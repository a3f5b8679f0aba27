// Canned ACLs, grant checks and the requester model shared by every operation.
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

function grantMatches(grant: Grant, requester: Requester): boolean {
  const g = grant.grantee;
  if (g.type === "Group") return g.uri === ALL_USERS || (g.uri === AUTHENTICATED_USERS && requester !== null);
  if (g.type === "CanonicalUser") return requester !== null && g.id === requester.id;
  return false;
}

/** Whether the requester holds `permission` (FULL_CONTROL implies all); the ACL's owner always does. */
export function allows(acl: Acl, requester: Requester, permission: Permission): boolean {
  if (requester && requester.id === acl.owner.id) return true;
  return acl.grants.some((g) => (g.permission === permission || g.permission === "FULL_CONTROL") && grantMatches(g, requester));
}

export function requirePermission(acl: Acl, requester: Requester, permission: Permission): void {
  if (!allows(acl, requester, permission)) throw new S3Error("AccessDenied");
}

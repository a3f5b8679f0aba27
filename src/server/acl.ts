// ACLs on the wire: x-amz-acl and x-amz-grant-* headers, AccessControlPolicy documents in and out.
// A request may use one way of setting an ACL, never two.
import { isPermission, type AclSpec } from "../core/acl.ts";
import { S3Error } from "../errors.ts";
import type { Acl, Grant, Grantee, Permission } from "../metadata/store.ts";
import { parseXml, readXmlBody, type XmlNode } from "./xml.ts";

const GRANT_HEADERS: Record<string, Permission> = {
  "x-amz-grant-read": "READ",
  "x-amz-grant-write": "WRITE",
  "x-amz-grant-read-acp": "READ_ACP",
  "x-amz-grant-write-acp": "WRITE_ACP",
  "x-amz-grant-full-control": "FULL_CONTROL",
};

const XSI = "http://www.w3.org/2001/XMLSchema-instance";

function granteeFromHeader(type: string, value: string): Grantee {
  switch (type.toLowerCase()) {
    case "id":
      return { type: "CanonicalUser", id: value };
    case "uri":
      return { type: "Group", uri: value };
    case "emailaddress":
      return { type: "AmazonCustomerByEmail", email: value };
  }
  throw new S3Error("InvalidArgument", { message: `Invalid grantee type ${type}`, detail: { ArgumentName: "x-amz-grant" } });
}

/** `id="abc", uri="http://…"` → grants with `permission`. */
function parseGrantHeader(value: string, permission: Permission): Grant[] {
  const grants: Grant[] = [];
  for (const part of value.split(",")) {
    const m = /^\s*([A-Za-z]+)\s*=\s*"?([^"]*)"?\s*$/.exec(part);
    if (!m) throw new S3Error("InvalidArgument", { message: "Invalid grant header", detail: { ArgumentName: "x-amz-grant", ArgumentValue: value } });
    grants.push({ grantee: granteeFromHeader(m[1]!, m[2]!), permission });
  }
  return grants;
}

/** The ACL a create or write request asks for through its headers, if any. */
export function aclFromHeaders(h: Headers): AclSpec | undefined {
  const canned = h.get("x-amz-acl");
  const grants = Object.entries(GRANT_HEADERS).flatMap(([name, permission]) => {
    const value = h.get(name);
    return value === null ? [] : parseGrantHeader(value, permission);
  });
  if (canned !== null && grants.length > 0) {
    throw new S3Error("InvalidRequest", { message: "Specifying both Canned ACLs and Header Grants is not allowed" });
  }
  if (canned !== null) return canned;
  return grants.length > 0 ? { grants } : undefined;
}

const malformed = () => new S3Error("MalformedACLError");

function granteeFromXml(node: unknown): Grantee {
  if (typeof node !== "object" || node === null) throw malformed();
  const g = node as Record<string, unknown>;
  if (typeof g.ID === "string") return { type: "CanonicalUser", id: g.ID };
  if (typeof g.URI === "string") return { type: "Group", uri: g.URI };
  if (typeof g.EmailAddress === "string") return { type: "AmazonCustomerByEmail", email: g.EmailAddress };
  throw malformed();
}

/** Grants from an AccessControlPolicy document. */
export function aclFromXml(xml: string): AclSpec {
  let doc: Record<string, unknown>;
  try {
    doc = parseXml(xml, ["AccessControlPolicy.AccessControlList.Grant"]);
  } catch {
    throw malformed();
  }
  const policy = doc.AccessControlPolicy as Record<string, unknown> | undefined;
  if (!policy || typeof policy !== "object") throw malformed();
  const list = policy.AccessControlList;
  const grantNodes = typeof list === "object" && list !== null ? ((list as Record<string, unknown>).Grant as unknown[] | undefined) ?? [] : [];
  const grants = grantNodes.map((node): Grant => {
    const grant = node as Record<string, unknown>;
    const permission = String(grant?.Permission ?? "");
    if (!isPermission(permission)) throw malformed();
    return { grantee: granteeFromXml(grant.Grantee), permission };
  });
  return { grants };
}

/** The ACL a PutBucketAcl / PutObjectAcl asks for: headers or a body, exactly one of them. */
export async function aclFromRequest(h: Headers, body: AsyncIterable<Uint8Array> | null): Promise<AclSpec> {
  const fromHeaders = aclFromHeaders(h);
  const xml = (await readXmlBody(body)).trim();
  if (fromHeaders !== undefined && xml !== "") {
    throw new S3Error("InvalidRequest", { message: "An ACL may be set by headers or by a request body, not both." });
  }
  if (fromHeaders !== undefined) return fromHeaders;
  if (xml === "") throw new S3Error("MissingSecurityHeader", { detail: { MissingHeaderName: "x-amz-acl" } });
  return aclFromXml(xml);
}

function granteeXml(g: Grantee): XmlNode {
  switch (g.type) {
    case "CanonicalUser":
      return { "@_xmlns:xsi": XSI, "@_xsi:type": "CanonicalUser", ID: g.id, ...(g.displayName ? { DisplayName: g.displayName } : {}) };
    case "Group":
      return { "@_xmlns:xsi": XSI, "@_xsi:type": "Group", URI: g.uri };
    case "AmazonCustomerByEmail":
      return { "@_xmlns:xsi": XSI, "@_xsi:type": "AmazonCustomerByEmail", EmailAddress: g.email };
  }
}

export function aclXml(acl: Acl): XmlNode {
  return {
    Owner: { ID: acl.owner.id, DisplayName: acl.owner.displayName },
    AccessControlList: { Grant: acl.grants.map((g) => ({ Grantee: granteeXml(g.grantee), Permission: g.permission })) },
  };
}

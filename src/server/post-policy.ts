// The signed policy of a POST Object form (browser uploads): who signed it (SigV4 fields, or SigV2's
// AWSAccessKeyId and signature), over the base64 policy exactly as sent; then the policy itself —
// not expired, every condition met (exact, eq, starts-with, content-length-range), every form field
// covered by one — with S3's words for what fails.
import type { Credential } from "../metadata/store.ts";
import { S3Error } from "../errors.ts";
import { hmac, signingKey } from "./auth/sigv4.ts";
import { signatureV2 } from "./auth/sigv2.ts";

/** Fields a policy need not name (S3's list). */
const EXEMPT = new Set(["x-amz-signature", "file", "policy", "awsaccesskeyid", "signature"]);

const denied = (message: string) => new S3Error("AccessDenied", { message });

export interface PostSigner {
  credential: Credential;
  accessKey: string;
}

/** Verifies the form's signature; null for a form without one (an anonymous POST). */
export async function postSigner(fields: Map<string, string>, lookup: (accessKey: string) => Promise<Credential | null>): Promise<PostSigner | null> {
  const policy = fields.get("policy");
  if (fields.has("x-amz-signature") || fields.has("x-amz-credential")) {
    const credentialField = fields.get("x-amz-credential") ?? "";
    const [accessKey, date, region, service, terminator] = credentialField.split("/");
    if (fields.get("x-amz-algorithm") !== "AWS4-HMAC-SHA256" || !accessKey || !date || !region || service !== "s3" || terminator !== "aws4_request" || policy === undefined
      || !fields.get("x-amz-signature") || !fields.get("x-amz-date")) {
      throw new S3Error("InvalidArgument", { message: "POST form fields x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature and policy must all be given.", detail: { ArgumentName: "x-amz-credential", ArgumentValue: credentialField } });
    }
    const credential = await lookup(accessKey);
    if (!credential) throw new S3Error("InvalidAccessKeyId", { detail: { AWSAccessKeyId: accessKey } });
    const expected = hmac(signingKey(credential.secretKey, date, region, "s3"), policy).toString("hex");
    if (expected !== fields.get("x-amz-signature")) throw new S3Error("SignatureDoesNotMatch");
    return { credential, accessKey };
  }
  if (fields.has("awsaccesskeyid") || fields.has("signature")) {
    const accessKey = fields.get("awsaccesskeyid") ?? "";
    if (policy === undefined || !fields.has("signature")) throw new S3Error("InvalidArgument", { message: "Bucket POST must contain a policy and a signature." });
    const credential = await lookup(accessKey);
    if (!credential) throw new S3Error("InvalidAccessKeyId", { detail: { AWSAccessKeyId: accessKey } });
    if (signatureV2(credential.secretKey, policy) !== fields.get("signature")) throw new S3Error("SignatureDoesNotMatch");
    return { credential, accessKey };
  }
  if (policy !== undefined) throw new S3Error("InvalidArgument", { message: "Bucket POST with a policy must be signed." });
  return null;
}

type Condition = Record<string, unknown> | unknown[];

/**
 * Checks the policy against the form (field names lower-cased) and the bucket; returns the
 * content-length-range to hold the file to, if any.
 */
export function checkPostPolicy(policyBase64: string, fields: Map<string, string>, names: string[], bucket: string, now = Date.now()): { min: number; max: number } | undefined {
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(Buffer.from(policyBase64, "base64").toString("utf8")) as typeof doc;
  } catch {
    throw new S3Error("InvalidPolicyDocument", { message: "Invalid Policy: Invalid JSON." });
  }
  if (typeof doc !== "object" || doc === null || typeof doc.expiration !== "string") throw new S3Error("InvalidPolicyDocument", { message: "Invalid Policy: Policy missing expiration." });
  const expires = Date.parse(doc.expiration);
  if (Number.isNaN(expires)) throw new S3Error("InvalidPolicyDocument", { message: "Invalid Policy: Invalid 'expiration' value." });
  if (expires < now) throw denied("Invalid according to Policy: Policy expired.");
  if (!Array.isArray(doc.conditions)) throw new S3Error("InvalidPolicyDocument", { message: "Invalid Policy: Policy missing conditions." });
  const value = (name: string) => (name === "bucket" ? bucket : fields.get(name));
  const covered = new Set<string>(["bucket"]);
  let range: { min: number; max: number } | undefined;
  const failed = (c: Condition) => denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(c)}`);
  for (const c of doc.conditions as Condition[]) {
    if (Array.isArray(c)) {
      const [op, field, arg, arg2] = c as [unknown, unknown, unknown, unknown];
      const opName = String(op).toLowerCase();
      if (opName === "content-length-range") {
        const min = Number(field);
        const max = Number(arg);
        if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) throw new S3Error("InvalidPolicyDocument", { message: "Invalid Policy: Invalid content-length-range." });
        range = { min, max };
        continue;
      }
      if (typeof field !== "string" || !field.startsWith("$") || arg2 !== undefined) throw new S3Error("InvalidPolicyDocument", { message: `Invalid Policy: Invalid Condition: ${JSON.stringify(c)}` });
      const name = field.slice(1).toLowerCase();
      covered.add(name);
      const actual = value(name) ?? "";
      if (opName === "eq") {
        if (actual !== String(arg)) throw failed(c);
      } else if (opName === "starts-with") {
        // Content-Type may list several values, each of which must start so.
        const values = name === "content-type" ? actual.split(",").map((v) => v.trim()) : [actual];
        if (!values.every((v) => v.startsWith(String(arg)))) throw failed(c);
      } else {
        throw new S3Error("InvalidPolicyDocument", { message: `Invalid Policy: Invalid Condition: ${JSON.stringify(c)}` });
      }
    } else if (typeof c === "object" && c !== null) {
      for (const [k, v] of Object.entries(c)) {
        const name = k.toLowerCase();
        covered.add(name);
        if ((value(name) ?? "") !== String(v)) throw failed(c);
      }
    } else {
      throw new S3Error("InvalidPolicyDocument", { message: `Invalid Policy: Invalid Condition: ${JSON.stringify(c)}` });
    }
  }
  const extra = names.filter((n) => {
    const name = n.toLowerCase();
    return !EXEMPT.has(name) && !name.startsWith("x-ignore-") && !covered.has(name);
  });
  if (extra.length > 0) throw denied(`Invalid according to Policy: Extra input fields: ${extra.join(", ")}`);
  return range;
}

// The condition keys of a request (aws:SourceIp, s3:prefix, ...), each worked out only when a policy
// asks for it: most requests meet no condition, and a policy asks for one or two keys.
import type { ConditionValues } from "../core/policy/conditions.ts";
import type { S3Request } from "./types.ts";

const HEADER_KEYS: Record<string, string> = {
  "aws:referer": "referer", "aws:useragent": "user-agent", "s3:x-amz-acl": "x-amz-acl",
  "s3:x-amz-server-side-encryption": "x-amz-server-side-encryption",
  "s3:x-amz-server-side-encryption-aws-kms-key-id": "x-amz-server-side-encryption-aws-kms-key-id",
  "s3:x-amz-copy-source": "x-amz-copy-source", "s3:x-amz-storage-class": "x-amz-storage-class", "s3:object-lock-mode": "x-amz-object-lock-mode",
  "s3:object-lock-retain-until-date": "x-amz-object-lock-retain-until-date", "s3:object-lock-legal-hold": "x-amz-object-lock-legal-hold",
  "s3:x-amz-metadata-directive": "x-amz-metadata-directive",
};
const QUERY_KEYS: Record<string, string> = { "s3:prefix": "prefix", "s3:delimiter": "delimiter", "s3:max-keys": "max-keys", "s3:versionid": "versionId" };

export class RequestConditions implements ConditionValues {
  /** The keys asked so far (most requests ask one or two, and many none: made on the first). */
  private known: Map<string, string | string[] | undefined> | undefined;

  /** `sourceIp` is asked for only by a condition on it (the peer's address costs a lookup). */
  constructor(private readonly req: S3Request, private readonly sourceIp: () => string, private readonly secure: boolean) {}

  get(key: string): string | string[] | undefined {
    if (this.known?.has(key)) return this.known.get(key);
    const value = this.find(key);
    (this.known ??= new Map()).set(key, value);
    return value;
  }

  private find(key: string): string | string[] | undefined {
    const req = this.req;
    const header = HEADER_KEYS[key];
    if (header) return req.headers.get(header) ?? undefined;
    const param = QUERY_KEYS[key];
    if (param) return req.query.get(param) ?? undefined;
    if (key.startsWith("s3:requestobjecttag/")) {
      const tagging = req.headers.get("x-amz-tagging");
      if (tagging === null) return undefined;
      const name = key.slice("s3:requestobjecttag/".length);
      for (const [k, v] of new URLSearchParams(tagging)) if (k.toLowerCase() === name) return v;
      return undefined;
    }
    switch (key) {
      case "aws:currenttime": return new Date().toISOString();
      case "aws:epochtime": return String(Math.floor(Date.now() / 1000));
      case "aws:securetransport": return String(this.secure);
      case "aws:sourceip": {
        const ip = this.sourceIp();
        return ip ? ip.replace(/^::ffff:/, "") : undefined;
      }
      case "aws:principaltype": return req.requester ? "User" : "Anonymous";
      case "aws:userid": return req.requester?.id;
      case "aws:username": return req.requester ? req.auth.accessKey ?? req.requester.displayName : undefined;
      case "s3:requestobjecttagkeys": {
        const tagging = req.headers.get("x-amz-tagging");
        return tagging === null ? undefined : [...new URLSearchParams(tagging).keys()];
      }
      case "s3:authtype": return req.requester === null ? undefined : req.query.has("X-Amz-Signature") || req.query.has("Signature") ? "REST-QUERY-STRING" : "REST-HEADER";
      case "s3:signatureversion": return req.query.has("Signature") || /^AWS /.test(req.headers.get("authorization") ?? "") ? "AWS" : "AWS4-HMAC-SHA256";
      default: return undefined;
    }
  }
}

// AWS Signature Version 2, for older clients (s3cmd with signature_v2, Hadoop s3a with old settings,
// backup tools): `Authorization: AWS <key>:<signature>` and presigned `AWSAccessKeyId` / `Expires` /
// `Signature` query parameters. The signature is Base64(HMAC-SHA1(secret, StringToSign)) over
//   VERB \n Content-MD5 \n Content-Type \n Date-or-Expires \n x-amz-* headers \n resource
// as AWS's REST authentication documents it. V2 never signs the body (only its Content-MD5, which the
// body reader checks), so the payload of a V2 request is unsigned.
import { createHmac } from "node:crypto";
import { S3Error } from "../../errors.ts";
import { sameSignature } from "./sigv4.ts";

export const V2_PREFIX = "AWS ";

/** The query sub-resources that are part of the signed resource, as AWS lists them (sorted on output). */
const SUB_RESOURCES = new Set([
  "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "intelligent-tiering", "inventory", "legal-hold",
  "lifecycle", "location", "logging", "metrics", "notification", "object-lock", "ownershipControls", "partNumber", "policy",
  "policyStatus", "publicAccessBlock", "replication", "requestPayment", "response-cache-control", "response-content-disposition",
  "response-content-encoding", "response-content-language", "response-content-type", "response-expires", "restore", "retention",
  "select", "select-type", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
]);

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

/** The x-amz-* headers, lower-cased and sorted, values trimmed and unfolded, one per line. */
function amzHeaders(headers: Headers): string {
  const named: Array<[string, string]> = [];
  headers.forEach((value, name) => {
    if (name.startsWith("x-amz-")) named.push([name, value.replace(/\s*\r?\n\s*/g, " ").trim()]);
  });
  // (A header sent twice reaches us joined with ", ", which AWS would sign joined with ","; a value
  // that itself holds ", " is far more common, and is kept as it is.)
  return named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}:${v}\n`).join("");
}

/** The resource: /bucket for virtual-hosted requests, the path as sent, then the signed sub-resources. */
function canonicalResource(rawPath: string, rawQuery: string, hostBucket: string | undefined): string {
  const subs: Array<[string, string | undefined]> = [];
  for (const pair of rawQuery === "" ? [] : rawQuery.split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (SUB_RESOURCES.has(name)) subs.push([name, eq < 0 ? undefined : decode(pair.slice(eq + 1))]);
  }
  subs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = subs.map(([n, v]) => (v === undefined ? n : `${n}=${v}`)).join("&");
  return `${hostBucket === undefined ? "" : `/${hostBucket}`}${rawPath}${query ? `?${query}` : ""}`;
}

export interface V2Request {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Headers;
  /** The bucket named by the Host header of a virtual-hosted request. */
  hostBucket: string | undefined;
}

/**
 * The strings to sign a client may have used; `date` is the Date header (empty when x-amz-date is
 * sent) or a presigned URL's Expires. A path-style request for a bucket itself (`/bucket`) is signed
 * by some clients as sent and by others (botocore) as `/bucket/`, the form a virtual-hosted request
 * for the bucket has: both are accepted.
 */
export function stringsToSignV2(req: V2Request, date: string): string[] {
  const h = req.headers;
  const head = `${req.method}\n${h.get("content-md5") ?? ""}\n${h.get("content-type") ?? ""}\n${date}\n${amzHeaders(h)}`;
  const paths = req.hostBucket === undefined && /^\/[^/]+$/.test(req.rawPath) ? [req.rawPath, `${req.rawPath}/`] : [req.rawPath];
  return paths.map((path) => head + canonicalResource(path, req.rawQuery, req.hostBucket));
}

export const signatureV2 = (secret: string, toSign: string): string => createHmac("sha1", secret).update(toSign, "utf8").digest("base64");

/** Throws SignatureDoesNotMatch (with the first string to sign, as S3 gives it) unless `signature` signs one of them. */
export function verifyV2(secret: string, accessKey: string, candidates: string[], signature: string): void {
  if (candidates.some((toSign) => sameSignature(signatureV2(secret, toSign), signature))) return;
  const toSign = candidates[0]!;
  throw new S3Error("SignatureDoesNotMatch", {
    detail: {
      AWSAccessKeyId: accessKey, StringToSign: toSign, SignatureProvided: signature,
      StringToSignBytes: [...Buffer.from(toSign, "utf8")].map((b) => b.toString(16).padStart(2, "0")).join(" "),
    },
  });
}

/** `AWS key:signature` → its two parts, or AuthorizationHeaderMalformed-style InvalidArgument. */
export function parseV2Header(header: string): { accessKey: string; signature: string } {
  const rest = header.slice(V2_PREFIX.length).trim();
  const colon = rest.lastIndexOf(":");
  if (colon <= 0 || colon === rest.length - 1) {
    throw new S3Error("InvalidArgument", {
      message: "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature", detail: { ArgumentName: "Authorization", ArgumentValue: header },
    });
  }
  return { accessKey: rest.slice(0, colon), signature: rest.slice(colon + 1) };
}

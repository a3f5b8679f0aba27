// AWS Signature Version 4 primitives: canonical request, string to sign, signing key (cached per
// secret/day/region/service) and constant-time comparison. Used by header and presigned auth.
import { BoundedMap } from "../../bounded-map.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~ (and / in paths). */
export function uriEncode(value: string, keepSlash = false): string {
  const encoded = encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The canonical URI: each path segment decoded once and encoded the SigV4 way. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]+$/;

export function canonicalUri(rawPath: string): string {
  // Unreserved characters and slashes are their own canonical form (the common case).
  if (PLAIN_PATH.test(rawPath)) return rawPath;
  return rawPath.split("/").map((segment) => uriEncode(safeDecode(segment))).join("/") || "/";
}

/** Splits a raw query string into decoded pairs, keeping "+" literal as S3 clients encode spaces as %20. */
export function queryPairs(rawQuery: string): Array<[string, string]> {
  if (rawQuery === "") return [];
  return rawQuery.split("&").filter((p) => p !== "").map((pair) => {
    const eq = pair.indexOf("=");
    return eq < 0 ? [safeDecode(pair), ""] : [safeDecode(pair.slice(0, eq)), safeDecode(pair.slice(eq + 1))];
  });
}

/** The canonical query string, without `exclude` (X-Amz-Signature for presigned URLs). */
export function canonicalQuery(pairs: Array<[string, string]>, exclude?: string): string {
  if (pairs.length === 0) return "";
  return pairs
    .filter(([name]) => name !== exclude)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** Whitespace that canonicalisation folds: runs of it, or any but a plain space. */
const UNUSUAL_SPACE = /\s\s|[^\S ]/;

/** Canonical header block for the signed header names (lower case, in the order given). */
export function canonicalHeaders(headers: Headers, signed: string[]): string {
  let out = "";
  for (const name of signed) {
    const value = (headers.get(name) ?? "").trim();
    out += `${name}:${UNUSUAL_SPACE.test(value) ? value.replace(/\s+/g, " ") : value}\n`;
  }
  return out;
}

export interface CanonicalRequestParts {
  method: string;
  uri: string;
  query: string;
  headers: string;
  signedHeaders: string;
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return `${p.method}\n${p.uri}\n${p.query}\n${p.headers}\n${p.signedHeaders}\n${p.payloadHash}`;
}

export const sha256Hex = (data: string | Uint8Array): string => Bun.SHA256.hash(data, "hex");

export function hmac(key: string | Uint8Array, data: string): Buffer {
  return new Bun.CryptoHasher("sha256", key).update(data).digest() as Buffer;
}

const NON_ASCII = /[^\x00-\x7f]/;

export function stringToSign(datetime: string, scope: string, canonical: string): string {
  // Header values arrive as one character per byte (raw UTF-8 from botocore, say); the client signed
  // those bytes, so they are hashed as they came, not re-encoded as UTF-8.
  const hash = NON_ASCII.test(canonical) ? sha256Hex(Buffer.from(canonical, "latin1")) : sha256Hex(canonical);
  return `${ALGORITHM}\n${datetime}\n${scope}\n${hash}`;
}

const keyCache = new BoundedMap<string, Buffer>(1024);

/** The derived signing key; derivation costs four HMACs, so it is cached (it changes once a day). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\0${date}\0${region}\0${service}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
    keyCache.set(cacheKey, key);
  }
  return key;
}

export function signatureFor(key: Uint8Array, toSign: string): string {
  return new Bun.CryptoHasher("sha256", key).update(toSign).digest("hex");
}

/** Constant-time comparison of two signatures (time depends on length only). */
export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Parses an ISO 8601 basic timestamp (20130524T000000Z) to epoch ms, or NaN. */
const AMZ_DATE = /^\d{8}T\d{6}Z$/;

export function parseAmzDate(value: string): number {
  if (!AMZ_DATE.test(value)) return Number.NaN;
  const n = (from: number, to: number) => Number(value.slice(from, to));
  return Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(9, 11), n(11, 13), n(13, 15));
}

/** Epoch ms as an ISO 8601 basic timestamp. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

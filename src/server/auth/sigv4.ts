// AWS Signature Version 4 primitives: canonical request, string to sign, signing key (cached per
// secret/day/region/service) and constant-time comparison. Used by header and presigned auth.
import { timingSafeEqual } from "node:crypto";

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
export function canonicalUri(rawPath: string): string {
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
  return pairs
    .filter(([name]) => name !== exclude)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/** Canonical header block for the signed header names (lower case, in the order given). */
export function canonicalHeaders(headers: Headers, signed: string[]): string {
  return signed.map((name) => `${name}:${(headers.get(name) ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
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
  return [p.method, p.uri, p.query, p.headers, p.signedHeaders, p.payloadHash].join("\n");
}

export const sha256Hex = (data: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

export function hmac(key: string | Uint8Array, data: string): Buffer {
  return new Bun.CryptoHasher("sha256", key).update(data).digest() as Buffer;
}

export function stringToSign(datetime: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${datetime}\n${scope}\n${sha256Hex(canonical)}`;
}

const keyCache = new Map<string, Buffer>();
const KEY_CACHE_LIMIT = 1024;

/** The derived signing key; derivation costs four HMACs, so it is cached (it changes once a day). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\0${date}\0${region}\0${service}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(cacheKey, key);
  }
  return key;
}

export function signatureFor(key: Uint8Array, toSign: string): string {
  return hmac(key, toSign).toString("hex");
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Parses an ISO 8601 basic timestamp (20130524T000000Z) to epoch ms, or NaN. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Epoch ms as an ISO 8601 basic timestamp. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

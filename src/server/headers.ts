// Object headers in both directions: what a write request carries into the engine (content type,
// system headers, x-amz-meta-*, storage class, ACL) and what a read response sends back.
import { S3Error } from "../errors.ts";
import { BoundedMap } from "../bounded-map.ts";
import { NULL_VERSION, type ObjectRecord } from "../metadata/store.ts";
import { decodeWords, encodeWord } from "./rfc2047.ts";

/** System headers S3 stores with an object and returns on GET/HEAD. */
export const STORED_HEADERS = ["content-encoding", "content-language", "content-disposition", "cache-control", "expires"] as const;

export const STORAGE_CLASSES = [
  "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE",
  "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE",
];

/** S3's limit on the user-defined metadata of one object (names and values, in UTF-8 bytes). */
export const MAX_USER_METADATA_BYTES = 2048;

export interface WriteHeaders {
  contentType?: string;
  headers: Record<string, string>;
  userMetadata: Record<string, string>;
  storageClass?: string;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * A metadata value as stored: RFC 2047 encoded-words decoded (as S3 does). A header value arrives one
 * character per byte; raw UTF-8 (botocore sends non-ASCII metadata so) is kept as the text it is,
 * where S3 would read each byte as ISO-8859-1. Values that are not valid UTF-8 stay as they came.
 */
function fromHeaderBytes(value: string): string {
  const decoded = value.includes("=?") ? decodeWords(value) : undefined;
  if (decoded !== undefined) return decoded;
  if (!NON_ASCII.test(value)) return value;
  const bytes = Buffer.from(value, "latin1");
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes) ? text : value;
}

export function writeHeaders(h: Headers): WriteHeaders {
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = h.get(name);
    if (value === null) continue;
    // aws-chunked is transfer framing, not a property of the object; the rest is kept as sent.
    if (name === "content-encoding") value = value.split(",").filter((e) => e.trim() !== "aws-chunked" && e.trim() !== "").join(",").trim();
    if (value !== "") headers[name] = value;
  }
  const userMetadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of h) {
    if (!name.startsWith("x-amz-meta-")) continue;
    const short = name.slice("x-amz-meta-".length);
    userMetadata[short] = fromHeaderBytes(value);
    metadataBytes += short.length + value.length;
  }
  if (metadataBytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error("MetadataTooLarge", { detail: { Size: String(metadataBytes), MaxSizeAllowed: String(MAX_USER_METADATA_BYTES) } });
  }
  const storageClass = h.get("x-amz-storage-class") ?? undefined;
  if (storageClass !== undefined && !STORAGE_CLASSES.includes(storageClass)) throw new S3Error("InvalidStorageClass");
  const contentType = h.get("content-type") ?? undefined;
  return { ...(contentType ? { contentType } : {}), headers, userMetadata, ...(storageClass ? { storageClass } : {}) };
}

export const quoteEtag = (etag: string) => `"${etag}"`;

/** x-amz-version-id for a version: sent for real version ids, and for "null" when the request named it. */
export function versionHeader(out: Record<string, string>, versionId: string | undefined, named = false): Record<string, string> {
  if (versionId !== undefined && (versionId !== NULL_VERSION || named)) out["x-amz-version-id"] = versionId;
  return out;
}
const httpDates = new BoundedMap<number, string>(1024);

/** An HTTP date (RFC 7231); recent ones are remembered, as every read of an object formats its date. */
export function httpDate(ms: number): string {
  let text = httpDates.get(ms);
  if (text === undefined) {
    text = new Date(ms).toUTCString();
    httpDates.set(ms, text);
  }
  return text;
}

/** Headers of a GET/HEAD response for `record`. */
export function objectHeaders(record: ObjectRecord, withChecksum: boolean): Record<string, string> {
  const out: Record<string, string> = {
    "content-type": record.contentType,
    etag: quoteEtag(record.etag),
    "last-modified": httpDate(record.lastModified),
    "accept-ranges": "bytes",
  };
  if (record.versionId !== NULL_VERSION) out["x-amz-version-id"] = record.versionId;
  Object.assign(out, record.headers);
  for (const [name, value] of Object.entries(record.userMetadata)) out[`x-amz-meta-${name}`] = encodeWord(value);
  if (record.storageClass !== "STANDARD") out["x-amz-storage-class"] = record.storageClass;
  if (record.tags) out["x-amz-tagging-count"] = String(Object.keys(record.tags).length);
  if (withChecksum && record.checksum) {
    out[`x-amz-checksum-${record.checksum.algorithm.toLowerCase()}`] = record.checksum.value;
    out["x-amz-checksum-type"] = record.checksum.type;
  }
  return out;
}

/** GetObject's response-* query parameters, which override the stored headers on a signed request. */
export const RESPONSE_OVERRIDES: Record<string, string> = {
  "response-content-type": "content-type",
  "response-content-language": "content-language",
  "response-expires": "expires",
  "response-cache-control": "cache-control",
  "response-content-disposition": "content-disposition",
  "response-content-encoding": "content-encoding",
};

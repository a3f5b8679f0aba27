// The x-amz-copy-source header and its x-amz-copy-source-if-* conditions, shared by CopyObject and
// UploadPartCopy.
import type { ReadConditions } from "../core/conditions.ts";
import type { CopySource } from "../core/copy.ts";
import { S3Error } from "../errors.ts";

const invalid = (message: string) =>
  new S3Error("InvalidArgument", { message, detail: { ArgumentName: "x-amz-copy-source" } });

/** "/bucket/key?versionId=v" or "bucket/key", URL-encoded as clients send it. */
export function parseCopySource(header: string): CopySource {
  const q = header.indexOf("?");
  const path = q < 0 ? header : header.slice(0, q);
  const versionId = q < 0 ? null : new URLSearchParams(header.slice(q + 1)).get("versionId");
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw invalid("Invalid copy source encoding");
  }
  const trimmed = decoded.startsWith("/") ? decoded.slice(1) : decoded;
  const slash = trimmed.indexOf("/");
  if (slash <= 0 || slash === trimmed.length - 1) {
    throw invalid("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  return { bucket: trimmed.slice(0, slash), key: trimmed.slice(slash + 1), ...(versionId !== null ? { versionId } : {}) };
}

export function copySourceConditions(h: Headers): ReadConditions {
  const get = (name: string) => h.get(`x-amz-copy-source-${name}`) ?? undefined;
  const c: ReadConditions = {};
  const ifMatch = get("if-match");
  const ifNoneMatch = get("if-none-match");
  const ifModifiedSince = get("if-modified-since");
  const ifUnmodifiedSince = get("if-unmodified-since");
  if (ifMatch !== undefined) c.ifMatch = ifMatch;
  if (ifNoneMatch !== undefined) c.ifNoneMatch = ifNoneMatch;
  if (ifModifiedSince !== undefined) c.ifModifiedSince = ifModifiedSince;
  if (ifUnmodifiedSince !== undefined) c.ifUnmodifiedSince = ifUnmodifiedSince;
  return c;
}

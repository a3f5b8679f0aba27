// Read preconditions with S3's precedence: If-Match beats If-Unmodified-Since (412), If-None-Match
// beats If-Modified-Since (304), and 412 is decided before 304.
import { S3Error } from "../errors.ts";

export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/** Parses an entity-tag list ("a", W/"b", *) into bare tags. */
export function etagList(header: string): string[] {
  return header.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/^"(.*)"$/, "$1")).filter((t) => t !== "");
}

const matches = (header: string, etag: string) => etagList(header).some((t) => t === "*" || t === etag);

/** Seconds since the epoch of an HTTP date, or undefined when it does not parse (then S3 ignores it). */
function seconds(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function checkReadConditions(c: ReadConditions, etag: string, lastModifiedMs: number): void {
  const modified = Math.floor(lastModifiedMs / 1000);
  if (c.ifMatch !== undefined) {
    if (!matches(c.ifMatch, etag)) throw new S3Error("PreconditionFailed", { detail: { Condition: "If-Match" } });
  } else {
    const since = seconds(c.ifUnmodifiedSince);
    if (since !== undefined && modified > since) {
      throw new S3Error("PreconditionFailed", { detail: { Condition: "If-Unmodified-Since" } });
    }
  }
  if (c.ifNoneMatch !== undefined) {
    if (matches(c.ifNoneMatch, etag)) throw new S3Error("NotModified");
  } else {
    const since = seconds(c.ifModifiedSince);
    if (since !== undefined && modified <= since) throw new S3Error("NotModified");
  }
}

/** The x-amz-copy-source-if-* conditions: the same rules, but every failure is 412. */
export function checkCopyConditions(c: ReadConditions, etag: string, lastModifiedMs: number): void {
  try {
    checkReadConditions(c, etag, lastModifiedMs);
  } catch (err) {
    if (err instanceof S3Error && err.code === "NotModified") {
      throw new S3Error("PreconditionFailed", { detail: { Condition: "x-amz-copy-source-If-None-Match" } });
    }
    throw err;
  }
}

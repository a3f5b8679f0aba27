// The Range header as S3 reads it: one range of bytes=a-b, a- or -n. Anything S3 would ignore
// (other units, several ranges, a malformed spec) means the whole object; a range that starts past
// the end is InvalidRange.
import { S3Error } from "../errors.ts";
import type { ByteRange } from "../storage/backend.ts";

const SINGLE = /^bytes=(\d*)-(\d*)$/;

export function invalidRange(size: number): S3Error {
  return new S3Error("InvalidRange", {
    detail: { RangeRequested: "", ActualObjectSize: String(size) },
    headers: { "content-range": `bytes */${size}` },
  });
}

/** The byte range to serve, or null for the whole object. */
export function resolveRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  const m = SINGLE.exec(header.trim());
  if (!m) return null;
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw withRequested(invalidRange(size), header);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return null;
  if (start >= size) throw withRequested(invalidRange(size), header);
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}

function withRequested(err: S3Error, header: string): S3Error {
  err.detail.RangeRequested = header;
  return err;
}

// Bucket-name and key rules as S3 enforces them for general purpose buckets.
import { invalidBucketName, S3Error } from "../errors.ts";

export const MAX_KEY_BYTES = 1024;

const BUCKET_CHARS = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const IP_SHAPED = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];
/** Paths BleepStore serves itself (health, metrics, API docs), so no bucket may take their names. */
export const RESERVED_BUCKET_NAMES = ["healthz", "readyz", "health", "metrics", "docs", "openapi.json"];

/** Why `name` is not a valid bucket name, or null when it is. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return "Bucket name must be between 3 and 63 characters long.";
  if (!BUCKET_CHARS.test(name)) {
    return "Bucket name can contain only lowercase letters, numbers, dots and hyphens, and must begin and end with a letter or number.";
  }
  if (name.includes("..")) return "Bucket name must not contain two adjacent periods.";
  if (name.includes(".-") || name.includes("-.")) return "Bucket name must not contain a period next to a hyphen.";
  if (IP_SHAPED.test(name)) return "Bucket name must not be formatted as an IP address.";
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return "Bucket name must not start with a reserved prefix.";
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return "Bucket name must not end with a reserved suffix.";
  if (RESERVED_BUCKET_NAMES.includes(name)) return `Bucket name ${name} is reserved for a BleepStore endpoint.`;
  return null;
}

export function assertBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw invalidBucketName(name, problem);
}

const encoder = new TextEncoder();

export function assertKey(key: string): void {
  if (key.length === 0) throw new S3Error("InvalidArgument", { message: "Object key must not be empty." });
  // A UTF-16 length of 1024 or less can still be more than 1024 UTF-8 bytes; only then encode.
  if (key.length * 3 > MAX_KEY_BYTES && encoder.encode(key).length > MAX_KEY_BYTES) {
    throw new S3Error("KeyTooLongError", { detail: { Size: String(encoder.encode(key).length), MaxSizeAllowed: String(MAX_KEY_BYTES) } });
  }
}

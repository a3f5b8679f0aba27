// The encryption headers of a request (SSE-C's three, their copy-source twins, and
// x-amz-server-side-encryption) and of a response, with S3's errors for each malformed one.
import { createHash } from "node:crypto";
import type { SseRequest } from "../core/sse.ts";
import { S3Error } from "../errors.ts";
import { notImplementedHeader } from "./protection.ts";
import type { SseInfo } from "../metadata/store.ts";

const SSE_C = "x-amz-server-side-encryption-customer-";
const SSE_C_COPY = "x-amz-copy-source-server-side-encryption-customer-";
/** The three header names of each, spelled once (they are looked up on every read and write). */
const NAMES = {
  [SSE_C]: [`${SSE_C}algorithm`, `${SSE_C}key`, `${SSE_C}key-md5`],
  [SSE_C_COPY]: [`${SSE_C_COPY}algorithm`, `${SSE_C_COPY}key`, `${SSE_C_COPY}key-md5`],
} as const;

export interface CustomerKey {
  key: Uint8Array;
  /** Base64 MD5 of the key, as the client sent it (echoed in responses). */
  md5: string;
}

const invalid = (message: string, name: string) => new S3Error("InvalidArgument", { message, detail: { ArgumentName: name } });

/** SSE-C headers (or their copy-source twins), validated; undefined when none is sent. */
export function customerKey(headers: Headers, keysAllowed: () => boolean, copySource = false): CustomerKey | undefined {
  const prefix = copySource ? SSE_C_COPY : SSE_C;
  const [algorithmName, keyName, md5Name] = NAMES[prefix];
  const algorithm = headers.get(algorithmName);
  const key = headers.get(keyName);
  const md5 = headers.get(md5Name);
  if (algorithm === null && key === null && md5 === null) return undefined;
  if (!keysAllowed()) {
    throw new S3Error("InvalidRequest", { message: "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." });
  }
  if (algorithm === null) throw invalid("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", algorithmName);
  if (algorithm !== "AES256") throw new S3Error("InvalidEncryptionAlgorithmError", { detail: { ArgumentName: algorithmName, ArgumentValue: algorithm } });
  if (key === null) throw invalid("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", keyName);
  if (md5 === null) throw invalid("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.", md5Name);
  const bytes = Buffer.from(key, "base64");
  if (bytes.length !== 32 || bytes.toString("base64") !== key.trim()) throw invalid("The secret key was invalid for the specified algorithm.", keyName);
  if (createHash("md5").update(bytes).digest("base64") !== md5.trim()) {
    throw invalid("The calculated MD5 hash of the key did not match the hash that was provided.", md5Name);
  }
  return { key: bytes, md5: md5.trim() };
}

const KMS_KEY = "x-amz-server-side-encryption-aws-kms-key-id";
const KMS_CONTEXT = "x-amz-server-side-encryption-context";
const BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled";

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings, none of its keys under aws:. */
function encryptionContext(value: string): Record<string, string> {
  const wrong = () => invalid("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map", KMS_CONTEXT);
  let parsed: unknown;
  try {
    const bytes = Buffer.from(value.trim(), "base64");
    if (bytes.toString("base64").replace(/=+$/, "") !== value.trim().replace(/=+$/, "")) throw wrong();
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw wrong();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw wrong();
  const entries = Object.entries(parsed);
  if (entries.some(([k, v]) => typeof v !== "string" || k === "" || k.toLowerCase().startsWith("aws:"))) throw wrong();
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The encryption a write asks for: SSE-C (with its key), SSE-S3 or SSE-KMS; undefined for the bucket's default. */
export function requestedSse(headers: Headers, ssec: CustomerKey | undefined): SseRequest | undefined {
  const method = headers.get("x-amz-server-side-encryption")?.trim() ?? null;
  const keyId = headers.get(KMS_KEY)?.trim() ?? null;
  const context = headers.get(KMS_CONTEXT);
  const bucketKey = headers.get(BUCKET_KEY)?.trim().toLowerCase() ?? null;
  if (ssec) {
    if (method !== null) throw invalid("Server Side Encryption with Customer provided key is incompatible with the encryption method specified", "x-amz-server-side-encryption");
    if (keyId !== null || context !== null) throw invalid("Server Side Encryption with Customer provided key is incompatible with the encryption method specified", keyId !== null ? KMS_KEY : KMS_CONTEXT);
    return { type: "SSE-C", key: ssec.key };
  }
  // The protection table refuses these before a handler runs; a POST form's fields come here directly.
  if (method === "aws:kms:dsse") throw notImplementedHeader("x-amz-server-side-encryption", "Dual-layer server-side encryption with KMS keys (DSSE-KMS)");
  if (method !== null && method !== "AES256" && method !== "aws:kms") throw invalid("The encryption method specified is not supported", "x-amz-server-side-encryption");
  if (bucketKey !== null && bucketKey !== "true" && bucketKey !== "false") throw invalid("The value of x-amz-server-side-encryption-bucket-key-enabled must be true or false.", BUCKET_KEY);
  if (method !== "aws:kms") {
    if (keyId !== null || context !== null) {
      throw invalid("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", keyId !== null ? KMS_KEY : KMS_CONTEXT);
    }
    return method === "AES256" ? { type: "SSE-S3" } : undefined;
  }
  return {
    type: "SSE-KMS",
    ...(keyId ? { keyId } : {}),
    ...(context !== null ? { context: encryptionContext(context) } : {}),
    ...(bucketKey !== null ? { bucketKey: bucketKey === "true" } : {}),
  };
}

/**
 * Response headers that say how a version is encrypted (`ssec`: the request's SSE-C key, whose MD5 is
 * echoed). `context`: SSE-KMS's encryption context too, as the writes (PUT, Copy, CreateMultipartUpload) answer it.
 */
export function sseHeaders(out: Record<string, string>, sse: SseInfo | undefined, ssec: CustomerKey | undefined, context = false): Record<string, string> {
  if (sse?.type === "SSE-S3") out["x-amz-server-side-encryption"] = "AES256";
  if (sse?.type === "SSE-KMS") {
    out["x-amz-server-side-encryption"] = "aws:kms";
    out[KMS_KEY] = sse.kmsKeyId ?? "";
    if (sse.bucketKey !== undefined) out[BUCKET_KEY] = "true";
    if (context && sse.context) out[KMS_CONTEXT] = Buffer.from(sse.context).toString("base64");
  }
  if (sse?.type === "SSE-C") {
    out[`${SSE_C}algorithm`] = "AES256";
    if (ssec) out[`${SSE_C}key-md5`] = ssec.md5;
  }
  return out;
}

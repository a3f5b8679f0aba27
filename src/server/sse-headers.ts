// The encryption headers of a request (SSE-C's three, their copy-source twins, and
// x-amz-server-side-encryption) and of a response, with S3's errors for each malformed one.
import { createHash } from "node:crypto";
import type { SseRequest } from "../core/sse.ts";
import { S3Error } from "../errors.ts";
import type { SseInfo } from "../metadata/store.ts";

const SSE_C = "x-amz-server-side-encryption-customer-";
const SSE_C_COPY = "x-amz-copy-source-server-side-encryption-customer-";

export interface CustomerKey {
  key: Uint8Array;
  /** Base64 MD5 of the key, as the client sent it (echoed in responses). */
  md5: string;
}

const invalid = (message: string, name: string) => new S3Error("InvalidArgument", { message, detail: { ArgumentName: name } });

/** SSE-C headers (or their copy-source twins), validated; undefined when none is sent. */
export function customerKey(headers: Headers, keysAllowed: () => boolean, copySource = false): CustomerKey | undefined {
  const prefix = copySource ? SSE_C_COPY : SSE_C;
  const algorithm = headers.get(`${prefix}algorithm`);
  const key = headers.get(`${prefix}key`);
  const md5 = headers.get(`${prefix}key-md5`);
  if (algorithm === null && key === null && md5 === null) return undefined;
  if (!keysAllowed()) {
    throw new S3Error("InvalidRequest", { message: "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." });
  }
  if (algorithm === null) throw invalid("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", `${prefix}algorithm`);
  if (algorithm !== "AES256") throw new S3Error("InvalidEncryptionAlgorithmError", { detail: { ArgumentName: `${prefix}algorithm`, ArgumentValue: algorithm } });
  if (key === null) throw invalid("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", `${prefix}key`);
  if (md5 === null) throw invalid("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.", `${prefix}key-md5`);
  const bytes = Buffer.from(key, "base64");
  if (bytes.length !== 32 || bytes.toString("base64") !== key.trim()) throw invalid("The secret key was invalid for the specified algorithm.", `${prefix}key`);
  if (createHash("md5").update(bytes).digest("base64") !== md5.trim()) {
    throw invalid("The calculated MD5 hash of the key did not match the hash that was provided.", `${prefix}key-md5`);
  }
  return { key: bytes, md5: md5.trim() };
}

/** The encryption a write asks for: SSE-C (with its key) or SSE-S3; undefined for the bucket's default. */
export function requestedSse(headers: Headers, ssec: CustomerKey | undefined): SseRequest | undefined {
  const method = headers.get("x-amz-server-side-encryption");
  if (ssec) {
    if (method !== null) throw invalid("Server Side Encryption with Customer provided key is incompatible with the encryption method specified", "x-amz-server-side-encryption");
    return { type: "SSE-C", key: ssec.key };
  }
  // Other methods were refused by the protection table before the handler ran.
  return method?.trim() === "AES256" ? { type: "SSE-S3" } : undefined;
}

/** Response headers that say how a version is encrypted (`md5`: the request's SSE-C key MD5). */
export function sseHeaders(out: Record<string, string>, sse: SseInfo | undefined, ssec: CustomerKey | undefined): Record<string, string> {
  if (sse?.type === "SSE-S3") out["x-amz-server-side-encryption"] = "AES256";
  if (sse?.type === "SSE-C") {
    out[`${SSE_C}algorithm`] = "AES256";
    if (ssec) out[`${SSE_C}key-md5`] = ssec.md5;
  }
  return out;
}

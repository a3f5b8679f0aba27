// A minimal SigV4 signer for raw requests in tests and benchmarks, independent of the server's code.
import { ACCESS_KEY, SECRET_KEY } from "./server.ts";

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Uint8Array, data: string) => new Bun.CryptoHasher("sha256", key).update(data).digest();
const sha256 = (data: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

export interface SignOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sign with UNSIGNED-PAYLOAD instead of the body's SHA-256. */
  unsignedPayload?: boolean;
  accessKey?: string;
  secretKey?: string;
  now?: Date;
}

/** Signs `url` (path already percent-encoded as it will be sent) and returns fetch init. */
export function signRequest(url: string, o: SignOptions = {}): { method: string; headers: Record<string, string>; body?: string | Uint8Array } {
  const u = new URL(url);
  const method = o.method ?? "GET";
  const amzDate = (o.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const payloadHash = o.unsignedPayload ? "UNSIGNED-PAYLOAD" : sha256(o.body ?? "");
  const headers: Record<string, string> = { ...o.headers, host: u.host, "x-amz-date": amzDate, "x-amz-content-sha256": payloadHash };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const query = [...u.searchParams].map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join("&");
  const canonical = [method, u.pathname, query, names.map((n) => `${n}:${lower[n]!.trim()}\n`).join(""), names.join(";"), payloadHash].join("\n");
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secretKey ?? SECRET_KEY}`, date), "us-east-1"), "s3"), "aws4_request");
  const signature = new Bun.CryptoHasher("sha256", key).update(toSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${o.accessKey ?? ACCESS_KEY}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return { method, headers, ...(o.body !== undefined ? { body: o.body } : {}) };
}

export function signedFetch(url: string, o: SignOptions = {}): Promise<Response> {
  return fetch(url, signRequest(url, o));
}

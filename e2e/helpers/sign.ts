// A minimal SigV4 signer for raw requests in tests and benchmarks, independent of the server's code.
import { ACCESS_KEY, SECRET_KEY } from "./server.ts";

const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: string | Uint8Array, data: string) => new Bun.CryptoHasher("sha256", key).update(data).digest();
const sha256 = (data: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

// Derived keys are cached per secret and day, as SDKs do.
const keys = new Map<string, Uint8Array>();
function signingKey(secret: string, date: string): Uint8Array {
  let key = keys.get(`${secret}/${date}`);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), "us-east-1"), "s3"), "aws4_request");
    keys.set(`${secret}/${date}`, key);
  }
  return key;
}

export interface SignOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sign with UNSIGNED-PAYLOAD instead of the body's SHA-256. */
  unsignedPayload?: boolean;
  /** Sign with this x-amz-content-sha256 value (e.g. STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
  payloadHash?: string;
  accessKey?: string;
  secretKey?: string;
  now?: Date;
  /** Sign the payload hash without sending it in x-amz-content-sha256 (as generic SigV4 signers do). */
  omitContentSha?: boolean;
}

/** Signs `url` (path already percent-encoded as it will be sent) and returns fetch init. */
export function signRequest(url: string, o: SignOptions = {}): { method: string; headers: Record<string, string>; body?: string | Uint8Array } {
  const u = new URL(url);
  const method = o.method ?? "GET";
  const amzDate = (o.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const payloadHash = o.payloadHash ?? (o.unsignedPayload ? "UNSIGNED-PAYLOAD" : sha256(o.body ?? ""));
  const headers: Record<string, string> = { ...o.headers, host: u.host, "x-amz-date": amzDate };
  if (!o.omitContentSha) headers["x-amz-content-sha256"] = payloadHash;
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const query = [...u.searchParams].map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join("&");
  const canonical = [method, u.pathname, query, names.map((n) => `${n}:${lower[n]!.trim()}\n`).join(""), names.join(";"), payloadHash].join("\n");
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = signingKey(o.secretKey ?? SECRET_KEY, date);
  const signature = new Bun.CryptoHasher("sha256", key).update(toSign).digest("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${o.accessKey ?? ACCESS_KEY}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return { method, headers, ...(o.body !== undefined ? { body: o.body } : {}) };
}

export function signedFetch(url: string, o: SignOptions = {}): Promise<Response> {
  return fetch(url, signRequest(url, o));
}

export interface ChunkedOptions {
  /** Corrupt the signature of this chunk (0-based; the final empty chunk is chunks.length). */
  tamperChunk?: number;
  /** A trailing checksum header, sent with STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER. */
  trailer?: { name: string; value: string };
  /** Corrupt the trailer signature. */
  tamperTrailer?: boolean;
}

/** A PUT with an aws-chunked body whose every chunk (and trailer) is signed, as AWS documents it. */
export function signedChunkedPut(url: string, chunks: Uint8Array[], o: ChunkedOptions = {}): { method: string; headers: Record<string, string>; body: Uint8Array } {
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const key = signingKey(SECRET_KEY, date);
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  const mode = o.trailer ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" : "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  const frame = (size: number, sig: string) => `${size.toString(16)};chunk-signature=${sig}\r\n`;
  // The encoded length must be known before signing; signatures are fixed-length hex.
  const fakeSig = "0".repeat(64);
  let length = chunks.reduce((n, c) => n + frame(c.length, fakeSig).length + c.length + 2, 0) + frame(0, fakeSig).length;
  const trailerLine = o.trailer ? `${o.trailer.name}:${o.trailer.value}\r\n` : "";
  length += o.trailer ? trailerLine.length + `x-amz-trailer-signature:${fakeSig}\r\n`.length + 2 : 2;
  const headers: Record<string, string> = {
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": String(decoded),
    "content-length": String(length),
    ...(o.trailer ? { "x-amz-trailer": o.trailer.name } : {}),
  };
  const init = signRequest(url, { method: "PUT", headers, payloadHash: mode, now });
  let previous = /Signature=([0-9a-f]{64})/.exec(init.headers.authorization!)![1]!;
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  [...chunks, new Uint8Array(0)].forEach((chunk, i) => {
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${sha256("")}\n${sha256(chunk)}`;
    let sig = new Bun.CryptoHasher("sha256", key).update(toSign).digest("hex");
    previous = sig;
    if (o.tamperChunk === i) sig = sig.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    parts.push(enc.encode(frame(chunk.length, sig)), chunk);
    if (chunk.length > 0) parts.push(enc.encode("\r\n"));
  });
  if (o.trailer) {
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previous}\n${sha256(`${o.trailer.name}:${o.trailer.value}\n`)}`;
    let sig = new Bun.CryptoHasher("sha256", key).update(toSign).digest("hex");
    if (o.tamperTrailer) sig = sig.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    parts.push(enc.encode(`${trailerLine}x-amz-trailer-signature:${sig}\r\n\r\n`));
  } else {
    parts.push(enc.encode("\r\n"));
  }
  const body = Buffer.concat(parts);
  if (body.length !== length) throw new Error(`encoded length ${body.length} != declared ${length}`);
  return { method: "PUT", headers: init.headers, body };
}

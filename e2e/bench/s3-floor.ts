// The least an S3 server must do to answer a small GET or HEAD, for the benchmark's floor: parse the
// request, verify its SigV4 header signature (the signing key derived once per day, as a server may
// cache it) and answer a 4 KiB body from memory. No routing, metadata, logging or metrics: what is
// left of a real server's cost per request beyond this is its own.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const BODY = new Uint8Array(4096).fill(120);
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
const keys = new Map<string, Buffer>();

function signingKey(secret: string, date: string, region: string): Buffer {
  const id = `${date}/${region}`;
  let key = keys.get(id);
  if (!key) {
    const step = (k: string | Buffer, data: string) => createHmac("sha256", k).update(data).digest();
    key = step(step(step(step(`AWS4${secret}`, date), region), "s3"), "aws4_request");
    keys.set(id, key);
  }
  return key;
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Whether the request's header signature is the one `secret` makes. */
export function verifies(req: Request, url: URL, secret: string): boolean {
  const m = AUTH.exec(req.headers.get("authorization") ?? "");
  if (!m) return false;
  const [, , date, region, signed, signature] = m as unknown as [string, string, string, string, string, string];
  const amzDate = req.headers.get("x-amz-date") ?? "";
  const names = signed.split(";");
  const headers = names.map((n) => `${n}:${(req.headers.get(n) ?? "").trim()}\n`).join("");
  const query = [...url.searchParams].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join("&");
  const canonical = `${req.method}\n${url.pathname}\n${query}\n${headers}\n${signed}\n${req.headers.get("x-amz-content-sha256") ?? ""}`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${date}/${region}/s3/aws4_request\n${createHash("sha256").update(canonical).digest("hex")}`;
  const expected = createHmac("sha256", signingKey(secret, date, region)).update(toSign).digest();
  return timingSafeEqual(expected, Buffer.from(signature, "hex"));
}

/** The S3 floor's answer: 4 KiB from memory when the signature holds, else 403. */
export function s3Floor(req: Request, url: URL, secret: string): Response {
  if (!verifies(req, url, secret)) return new Response("SignatureDoesNotMatch", { status: 403 });
  return new Response(req.method === "HEAD" ? null : BODY, { headers: { etag: '"floor"', "content-length": "4096" } });
}

/** The HTTP ceiling: 4 KiB from memory, nothing else. */
export function fromMemory(req: Request): Response {
  return new Response(req.method === "HEAD" ? null : BODY, { headers: { etag: '"ceiling"', "content-length": "4096" } });
}

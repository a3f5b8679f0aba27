// Who sent a request: SigV4 in the Authorization header, SigV4 in the query (presigned), SigV2 in
// either (older clients; sigv2.ts), or nobody (anonymous, left to ACLs). Also decides how the payload is protected, for the body reader.
import { S3Error } from "../../errors.ts";
import type { Requester } from "../../core/acl.ts";
import type { Credential } from "../../metadata/store.ts";
import {
  ALGORITHM, canonicalHeaders, canonicalQuery, canonicalRequest, canonicalUri, parseAmzDate, queryPairs, sameSignature,
  signatureFor, signingKey, stringToSign, formatAmzDate, EMPTY_SHA256,
} from "./sigv4.ts";
import { parseV2Header, stringsToSignV2, V2_PREFIX, verifyV2 } from "./sigv2.ts";

export const MAX_SKEW_MS = 15 * 60 * 1000;
export const MAX_PRESIGN_SECONDS = 604800;

/** What a chunk signature is chained from (STREAMING-AWS4-HMAC-SHA256-PAYLOAD). */
export interface ChunkSigning {
  key: Buffer;
  scope: string;
  datetime: string;
  seedSignature: string;
}

export type PayloadMode =
  | { kind: "unsigned" }
  | { kind: "sha256"; hex: string }
  | { kind: "streaming"; trailer: boolean; signing?: ChunkSigning };

export interface AuthResult {
  requester: Requester;
  accessKey?: string;
  /** The key pair the request was signed with, as looked up to verify it (the access decision reads its policy). */
  credential?: Credential;
  payload: PayloadMode;
  /**
   * Set for a header-signed request without x-amz-content-sha256 (generic SigV4 signers): the
   * signature covers the SHA-256 of the body, so it is checked once the body has been read; throws
   * SignatureDoesNotMatch. The HTTP edge makes sure nothing commits before it passed.
   */
  verifyBody?: (sha256Hex: string) => void;
}

export interface AuthRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: Headers;
  /** The bucket a virtual-hosted request names in its Host header (SigV2 signs it as part of the resource). */
  hostBucket?: () => string | undefined;
}

export interface AuthOptions {
  /** Accept AWS Signature Version 2 (auth.signature_v2). */
  signatureV2: boolean;
}

export type CredentialLookup = (accessKey: string) => Promise<Credential | null>;

const HEX64 = /^[0-9a-fA-F]{64}$/;

function payloadMode(value: string, signing: ChunkSigning | undefined): PayloadMode {
  switch (value) {
    case "UNSIGNED-PAYLOAD":
      return { kind: "unsigned" };
    case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
      return { kind: "streaming", trailer: true };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
      return { kind: "streaming", trailer: false, ...(signing ? { signing } : {}) };
    case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
      return { kind: "streaming", trailer: true, ...(signing ? { signing } : {}) };
  }
  if (HEX64.test(value)) return { kind: "sha256", hex: value.toLowerCase() };
  throw new S3Error("InvalidArgument", {
    message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a valid sha256 value.",
    detail: { ArgumentName: "x-amz-content-sha256", ArgumentValue: value },
  });
}

interface Scope {
  accessKey: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(value: string, error: (message: string) => S3Error): Scope {
  const parts = value.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || parts.some((p) => p === "")) {
    throw error(`The credential is malformed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const [accessKey, date, region, service] = parts as [string, string, string, string];
  if (service !== "s3") throw error(`The credential is for service '${service}'; expecting 's3'.`);
  if (!/^\d{8}$/.test(date)) throw error("The credential date is malformed.");
  return { accessKey, date, region, service };
}

interface Verify {
  req: AuthRequest;
  scope: Scope;
  credential: Credential;
  datetime: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
  query: string;
}

/** Checks the signature against the canonical URI and, failing that, the path exactly as sent. */
function verifySignature(v: Verify): Buffer {
  const key = signingKey(v.credential.secretKey, v.scope.date, v.scope.region, v.scope.service);
  const scopeText = `${v.scope.date}/${v.scope.region}/${v.scope.service}/aws4_request`;
  const headers = canonicalHeaders(v.req.headers, v.signedHeaders);
  let first: { canonical: string; toSign: string } | undefined;
  const canonicalPath = canonicalUri(v.req.rawPath);
  for (const uri of canonicalPath === v.req.rawPath ? [canonicalPath] : [canonicalPath, v.req.rawPath]) {
    const canonical = canonicalRequest({
      method: v.req.method, uri, query: v.query, headers, signedHeaders: v.signedHeaders.join(";"), payloadHash: v.payloadHash,
    });
    const toSign = stringToSign(v.datetime, scopeText, canonical);
    if (sameSignature(signatureFor(key, toSign), v.signature)) return key;
    first ??= { canonical, toSign };
  }
  throw new S3Error("SignatureDoesNotMatch", {
    detail: {
      AWSAccessKeyId: v.scope.accessKey, StringToSign: first!.toSign, SignatureProvided: v.signature, CanonicalRequest: first!.canonical,
    },
  });
}

function checkSkew(timestamp: number, now: number): void {
  if (Math.abs(now - timestamp) > MAX_SKEW_MS) throw new S3Error("RequestTimeTooSkewed");
}

async function lookup(credentials: CredentialLookup, accessKey: string): Promise<Credential> {
  const credential = await credentials(accessKey);
  if (!credential) throw new S3Error("InvalidAccessKeyId", { detail: { AWSAccessKeyId: accessKey } });
  return credential;
}

async function headerAuth(req: AuthRequest, header: string, credentials: CredentialLookup, now: number): Promise<AuthResult> {
  const malformed = (message: string) => new S3Error("AuthorizationHeaderMalformed", { message });
  let credentialField: string | undefined;
  let signedField: string | undefined;
  let signature: string | undefined;
  for (const part of header.slice(ALGORITHM.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const value = part.slice(eq + 1).trim();
    switch (part.slice(0, eq).trim()) {
      case "Credential":
        credentialField = value;
        break;
      case "SignedHeaders":
        signedField = value;
        break;
      case "Signature":
        signature = value;
        break;
    }
  }
  if (!credentialField || !signedField || !signature) {
    throw malformed("The authorization header is malformed; it must contain Credential, SignedHeaders and Signature.");
  }
  const scope = parseCredential(credentialField, malformed);
  const datetime = req.headers.get("x-amz-date") ?? amzDateFromHttpDate(req.headers.get("date"));
  const timestamp = datetime ? parseAmzDate(datetime) : Number.NaN;
  if (!datetime || Number.isNaN(timestamp)) {
    throw new S3Error("AccessDenied", { message: "AWS authentication requires a valid Date or x-amz-date header" });
  }
  if (datetime.slice(0, 8) !== scope.date) throw malformed("Invalid credential date. Date is not the same as X-Amz-Date.");
  const signedHeaders = signedField.split(";").map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes("host")) throw malformed("The host header must be signed.");
  checkSkew(timestamp, now);
  const credential = await lookup(credentials, scope.accessKey);
  const sentHash = req.headers.get("x-amz-content-sha256");
  if (sentHash === null) {
    const query = canonicalQuery(queryPairs(req.rawQuery));
    const verify = (payloadHash: string) => void verifySignature({ req, scope, credential, datetime, signedHeaders, signature, payloadHash, query });
    const requester = { requester: credential.owner, credential, accessKey: scope.accessKey, payload: { kind: "unsigned" } as const };
    if (!hasBody(req.headers)) {
      verify(EMPTY_SHA256);
      return requester;
    }
    return { ...requester, verifyBody: verify };
  }
  const payloadHash = sentHash;
  const mode = payloadMode(payloadHash, undefined);
  const key = verifySignature({
    req, scope, credential, datetime, signedHeaders, signature, payloadHash, query: canonicalQuery(queryPairs(req.rawQuery)),
  });
  const signing: ChunkSigning = {
    key, datetime, scope: `${scope.date}/${scope.region}/${scope.service}/aws4_request`, seedSignature: signature,
  };
  return { requester: credential.owner, credential, accessKey: scope.accessKey, payload: mode.kind === "streaming" ? payloadMode(payloadHash, signing) : mode };
}

async function presignedAuth(req: AuthRequest, credentials: CredentialLookup, now: number): Promise<AuthResult> {
  const queryError = (message: string) => new S3Error("AuthorizationQueryParametersError", { message });
  const pairs = queryPairs(req.rawQuery);
  const params = new Map(pairs);
  const algorithm = params.get("X-Amz-Algorithm");
  if (algorithm !== ALGORITHM) throw queryError(`X-Amz-Algorithm only supports "${ALGORITHM}".`);
  const credentialField = params.get("X-Amz-Credential");
  const datetime = params.get("X-Amz-Date");
  const expiresField = params.get("X-Amz-Expires");
  const signedField = params.get("X-Amz-SignedHeaders");
  const signature = params.get("X-Amz-Signature");
  if (!credentialField || !datetime || !expiresField || !signedField || !signature) {
    throw queryError(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  const scope = parseCredential(credentialField, queryError);
  const timestamp = parseAmzDate(datetime);
  if (Number.isNaN(timestamp)) throw queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (datetime.slice(0, 8) !== scope.date) throw queryError("Invalid credential date. Date is not the same as X-Amz-Date.");
  const expires = /^-?\d+$/.test(expiresField) ? Number(expiresField) : Number.NaN;
  if (Number.isNaN(expires)) throw queryError("X-Amz-Expires should be a number");
  if (expires < 0) throw queryError("X-Amz-Expires must be non-negative");
  if (expires === 0) throw queryError("X-Amz-Expires must be greater than 0");
  if (expires > MAX_PRESIGN_SECONDS) {
    throw queryError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGN_SECONDS}`);
  }
  if (timestamp - now > MAX_SKEW_MS) throw new S3Error("AccessDenied", { message: "Request is not valid yet" });
  if (now > timestamp + expires * 1000) throw new S3Error("AccessDenied", { message: "Request has expired" });
  const signedHeaders = signedField.split(";").map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes("host")) throw queryError("The host header must be signed.");
  const credential = await lookup(credentials, scope.accessKey);
  const payloadHash = params.get("X-Amz-Content-Sha256") ?? req.headers.get("x-amz-content-sha256") ?? "UNSIGNED-PAYLOAD";
  const mode = payloadMode(payloadHash, undefined);
  verifySignature({
    req, scope, credential, datetime, signedHeaders, signature, payloadHash, query: canonicalQuery(pairs, "X-Amz-Signature"),
  });
  return { requester: credential.owner, credential, accessKey: scope.accessKey, payload: mode };
}

/** Whether a request carries body bytes (a declared length above zero, or a chunked body). */
export function hasBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  return length !== null ? length.trim() !== "0" : headers.has("transfer-encoding");
}

/** Converts an HTTP Date header to the ISO 8601 basic form SigV4 signs, or null. */
function amzDateFromHttpDate(value: string | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : formatAmzDate(ms);
}

/** The payload of a request whose signature does not cover its body (V2): a hash it names is still checked. */
function unsignedPayload(headers: Headers): PayloadMode {
  const hash = headers.get("x-amz-content-sha256");
  return hash && HEX64.test(hash) ? { kind: "sha256", hex: hash.toLowerCase() } : { kind: "unsigned" };
}

/** A V2 request time: x-amz-date (RFC 1123 or ISO 8601 basic) or Date, in epoch ms, or NaN. */
function v2Time(value: string): number {
  const basic = parseAmzDate(value);
  return Number.isNaN(basic) ? Date.parse(value) : basic;
}

async function v2HeaderAuth(req: AuthRequest, header: string, credentials: CredentialLookup, now: number): Promise<AuthResult> {
  const { accessKey, signature } = parseV2Header(header);
  const amzDate = req.headers.get("x-amz-date");
  const date = amzDate ?? req.headers.get("date");
  const timestamp = date ? v2Time(date) : Number.NaN;
  if (Number.isNaN(timestamp)) throw new S3Error("AccessDenied", { message: "AWS authentication requires a valid Date or x-amz-date header" });
  checkSkew(timestamp, now);
  const credential = await lookup(credentials, accessKey);
  // With x-amz-date sent, the Date line of the string to sign is empty (x-amz-date is among the x-amz-* lines).
  verifyV2(credential.secretKey, accessKey, stringsToSignV2({ ...req, hostBucket: req.hostBucket?.() }, amzDate !== null ? "" : date!), signature);
  return { requester: credential.owner, credential, accessKey, payload: unsignedPayload(req.headers) };
}

async function v2PresignedAuth(req: AuthRequest, credentials: CredentialLookup, now: number): Promise<AuthResult> {
  const params = new Map(queryPairs(req.rawQuery));
  const accessKey = params.get("AWSAccessKeyId");
  const expires = params.get("Expires");
  const signature = params.get("Signature");
  if (!accessKey || !expires || !signature) {
    throw new S3Error("AccessDenied", { message: "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters" });
  }
  if (!/^\d+$/.test(expires)) throw new S3Error("AccessDenied", { message: "Invalid date (should be seconds since epoch): " + expires });
  if (now > Number(expires) * 1000) throw new S3Error("AccessDenied", { message: "Request has expired" });
  const credential = await lookup(credentials, accessKey);
  verifyV2(credential.secretKey, accessKey, stringsToSignV2({ ...req, hostBucket: req.hostBucket?.() }, expires), signature);
  return { requester: credential.owner, credential, accessKey, payload: unsignedPayload(req.headers) };
}

const unsupported = () => new S3Error("InvalidRequest", { message: `The authorization mechanism you have provided is not supported. Please use ${ALGORITHM}.` });

export async function authenticate(req: AuthRequest, credentials: CredentialLookup, now = Date.now(), options: AuthOptions = { signatureV2: true }): Promise<AuthResult> {
  const header = req.headers.get("authorization");
  if (header !== null && header !== "") {
    if (header.startsWith(`${ALGORITHM} `)) return headerAuth(req, header, credentials, now);
    if (header.startsWith(V2_PREFIX) && options.signatureV2) return v2HeaderAuth(req, header, credentials, now);
    throw unsupported();
  }
  if (/(^|&)X-Amz-(Algorithm|Signature|Credential)=/.test(req.rawQuery)) return presignedAuth(req, credentials, now);
  if (/(^|&)(AWSAccessKeyId|Signature)=/.test(req.rawQuery)) {
    if (options.signatureV2) return v2PresignedAuth(req, credentials, now);
    throw unsupported();
  }
  return { requester: null, payload: unsignedPayload(req.headers) };
}

// The upload body of a request as the engine wants it: decoded bytes (aws-chunked undone), the
// declared length, and what the client claims about them (payload SHA-256, flexible checksum).
import { CHECKSUM_ALGORITHMS, type BodyExpectations } from "../core/digest.ts";
import { S3Error } from "../errors.ts";
import type { ChecksumAlgorithm } from "../metadata/store.ts";
import type { PayloadMode } from "./auth/authenticate.ts";
import { decodeAwsChunked } from "./auth/chunked.ts";

export interface UploadBody {
  source: AsyncIterable<Uint8Array>;
  expect: BodyExpectations;
}

const EMPTY: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

const checksumHeader = (algorithm: ChecksumAlgorithm) => `x-amz-checksum-${algorithm.toLowerCase()}`;

function algorithmNamed(value: string, argument: string): ChecksumAlgorithm {
  const upper = value.toUpperCase() as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(upper)) {
    throw new S3Error("InvalidRequest", { message: `Value for ${argument} header is invalid.` });
  }
  return upper;
}

/** The flexible checksum a request asks for: from a header value, a trailer, or the SDK's hint. */
export function checksumExpectation(headers: Headers): BodyExpectations["checksum"] {
  const sent = CHECKSUM_ALGORITHMS.filter((a) => headers.has(checksumHeader(a)));
  if (sent.length > 1) throw new S3Error("InvalidRequest", { message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed." });
  if (sent[0]) return { algorithm: sent[0], expected: headers.get(checksumHeader(sent[0]))! };
  const trailer = headers.get("x-amz-trailer");
  if (trailer) {
    const name = trailer.trim().toLowerCase();
    if (!name.startsWith("x-amz-checksum-")) throw new S3Error("InvalidRequest", { message: `The trailer ${trailer} is not supported.` });
    return { algorithm: algorithmNamed(name.slice("x-amz-checksum-".length), "x-amz-trailer") };
  }
  const hint = headers.get("x-amz-sdk-checksum-algorithm");
  return hint ? { algorithm: algorithmNamed(hint, "x-amz-sdk-checksum-algorithm") } : undefined;
}

function declaredLength(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new S3Error("InvalidArgument", { message: `${name} must be a non-negative integer.`, detail: { ArgumentName: name, ArgumentValue: value } });
  return Number(value.trim());
}

export function uploadBody(body: AsyncIterable<Uint8Array> | null, headers: Headers, payload: PayloadMode): UploadBody {
  const raw: AsyncIterable<Uint8Array> = body ?? EMPTY;
  const contentLength = declaredLength(headers.get("content-length"), "Content-Length");
  if (contentLength === undefined && !headers.has("transfer-encoding") && body !== null) throw new S3Error("MissingContentLength");
  const checksum = checksumExpectation(headers);
  const expect: BodyExpectations = { ...(checksum ? { checksum } : {}) };

  const chunked = payload.kind === "streaming" || (headers.get("content-encoding") ?? "").split(",").some((e) => e.trim() === "aws-chunked");
  if (!chunked) {
    if (contentLength !== undefined) expect.size = contentLength;
    if (payload.kind === "sha256") expect.sha256Hex = payload.hex;
    return { source: raw, expect };
  }
  const decoded = declaredLength(headers.get("x-amz-decoded-content-length"), "x-amz-decoded-content-length");
  if (decoded === undefined) throw new S3Error("MissingContentLength", { message: "You must provide the x-amz-decoded-content-length header." });
  expect.size = decoded;
  const source = decodeAwsChunked(raw, {
    ...(payload.kind === "streaming" && payload.signing ? { signing: payload.signing } : {}),
    onTrailer: (name, value) => {
      if (checksum && name === checksumHeader(checksum.algorithm)) checksum.expected = value;
    },
  });
  return { source, expect };
}

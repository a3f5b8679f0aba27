// Streaming decoder for aws-chunked bodies (STREAMING-*-PAYLOAD[-TRAILER]): yields the decoded bytes
// as they arrive, verifies every chunk signature and the trailer signature when the body is signed,
// and hands trailing headers (x-amz-checksum-*) to the caller. Never buffers more than one header line.
import { S3Error } from "../../errors.ts";
import type { ChunkSigning } from "./authenticate.ts";
import { EMPTY_SHA256, sameSignature, sha256Hex, signatureFor } from "./sigv4.ts";

const MAX_LINE = 4096;
const CRLF = [13, 10] as const;

const incomplete = (message: string) => new S3Error("IncompleteBody", { message });
const badSignature = () =>
  new S3Error("SignatureDoesNotMatch", { message: "The chunk signature does not match the signature calculated for it." });

export interface ChunkedOptions {
  signing?: ChunkSigning;
  /** Called for each trailing header, before the decoder finishes. */
  onTrailer?: (name: string, value: string) => void;
}

/** Reads bytes from an async iterator with a small look-ahead buffer for header lines. */
class ByteReader {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    const { value, done } = await this.it.next();
    if (done) return false;
    this.buf = this.buf.length === 0 ? value : Buffer.concat([this.buf, value]);
    return true;
  }

  /** One line without its CRLF. */
  async line(): Promise<string> {
    for (;;) {
      const end = this.buf.indexOf(10);
      if (end >= 0) {
        if (end === 0 || this.buf[end - 1] !== 13) throw incomplete("aws-chunked framing is malformed (expected CRLF).");
        const text = Buffer.from(this.buf.subarray(0, end - 1)).toString("latin1");
        this.buf = this.buf.subarray(end + 1);
        return text;
      }
      if (this.buf.length > MAX_LINE) throw incomplete("aws-chunked header line is too long.");
      if (!(await this.fill())) throw incomplete("The aws-chunked body ended early.");
    }
  }

  /** Up to `max` bytes (at least one), straight from the network chunks. */
  async take(max: number): Promise<Uint8Array> {
    if (this.buf.length === 0 && !(await this.fill())) throw incomplete("The aws-chunked body ended early.");
    const n = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async expectCrlf(): Promise<void> {
    for (const byte of CRLF) {
      const b = await this.take(1);
      if (b[0] !== byte) throw incomplete("aws-chunked framing is malformed (expected CRLF after chunk data).");
    }
  }

  async atEnd(): Promise<boolean> {
    return this.buf.length === 0 && !(await this.fill());
  }
}

function chunkStringToSign(s: ChunkSigning, previous: string, dataHash: string): string {
  return `AWS4-HMAC-SHA256-PAYLOAD\n${s.datetime}\n${s.scope}\n${previous}\n${EMPTY_SHA256}\n${dataHash}`;
}

export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>, options: ChunkedOptions = {}): AsyncGenerator<Uint8Array> {
  const { signing } = options;
  const reader = new ByteReader(source);
  let previous = signing?.seedSignature ?? "";
  for (;;) {
    const header = await reader.line();
    const [sizeText = "", ...extensions] = header.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText.trim())) throw incomplete("aws-chunked chunk size is malformed.");
    const size = Number.parseInt(sizeText.trim(), 16);
    const signature = extensions.map((e) => e.trim()).find((e) => e.startsWith("chunk-signature="))?.slice(16);
    if (signing && !signature) throw badSignature();

    const hasher = signing ? new Bun.CryptoHasher("sha256") : undefined;
    let left = size;
    while (left > 0) {
      const piece = await reader.take(left);
      hasher?.update(piece);
      left -= piece.length;
      yield piece;
    }
    if (signing) {
      const expected = signatureFor(signing.key, chunkStringToSign(signing, previous, hasher!.digest("hex")));
      if (!sameSignature(expected, signature!)) throw badSignature();
      previous = expected;
    }
    if (size === 0) break;
    await reader.expectCrlf();
  }
  // After the last chunk: optional trailing headers, then an empty line (or the end of the body).
  const trailers: string[] = [];
  let trailerSignature: string | undefined;
  while (!(await reader.atEnd())) {
    const line = await reader.line();
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon <= 0) throw incomplete("aws-chunked trailer is malformed.");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") trailerSignature = value;
    else {
      trailers.push(`${name}:${value}\n`);
      options.onTrailer?.(name, value);
    }
  }
  if (signing && trailers.length > 0) {
    const toSign = `AWS4-HMAC-SHA256-TRAILER\n${signing.datetime}\n${signing.scope}\n${previous}\n${sha256Hex(trailers.join(""))}`;
    if (!trailerSignature || !sameSignature(signatureFor(signing.key, toSign), trailerSignature)) throw badSignature();
  }
}

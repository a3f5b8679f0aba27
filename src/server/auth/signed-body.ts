// The body of a request whose signature covers a payload hash it did not send (generic SigV4 signers
// omit x-amz-content-sha256): hashed as it is read and the signature checked at its end, before the
// reader sees the end, so a write fails (and keeps nothing) on a mismatch. Bodies of operations that
// do not stream one into storage are small: read whole and checked before the handler runs.
import { S3Error } from "../../errors.ts";
import { MAX_XML_BYTES } from "../xml.ts";

/** Operations whose body streams into storage (checked at its end); every other body is read first. */
const STREAMED = new Set(["PutObject", "UploadPart"]);

async function* verifiedAtEnd(body: AsyncIterable<Uint8Array>, verify: (sha256Hex: string) => void): AsyncGenerator<Uint8Array> {
  const hash = new Bun.CryptoHasher("sha256");
  let held: Uint8Array | undefined;
  for await (const chunk of body) {
    // One chunk is held back, so the last one goes to the reader only after the signature held.
    if (held) yield held;
    hash.update(chunk);
    held = chunk;
  }
  verify(hash.digest("hex"));
  if (held) yield held;
}

export async function signedBody(
  operation: string, body: AsyncIterable<Uint8Array> | null, verify: (sha256Hex: string) => void,
): Promise<AsyncIterable<Uint8Array> | null> {
  if (body === null) {
    verify(new Bun.CryptoHasher("sha256").digest("hex"));
    return null;
  }
  if (STREAMED.has(operation)) return verifiedAtEnd(body, verify);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_XML_BYTES) throw new S3Error("EntityTooLarge", { message: "The request body is too large for this operation." });
    chunks.push(chunk);
  }
  const whole = Buffer.concat(chunks, size);
  verify(new Bun.CryptoHasher("sha256").update(whole).digest("hex"));
  return (async function* () {
    yield whole;
  })();
}

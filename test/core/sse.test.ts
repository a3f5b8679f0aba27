// Encryption at rest (core/sse.ts): AES-256-CTR per part, random-access decryption across part
// boundaries, SSE-C key recognition, SSE-S3 key wrapping.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { S3Error } from "../../src/errors.ts";
import { decrypted, encrypting, Encryption, sealedEtag } from "../../src/core/sse.ts";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}
async function* chunked(data: Uint8Array, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
const streamOf = (data: Uint8Array) => ({ stream: new Blob([data]).stream(), size: data.length });
const code = (f: () => unknown) => {
  try {
    f();
    return "none";
  } catch (err) {
    return (err as S3Error).code;
  }
};

describe("sse", () => {
  const enc = new Encryption(randomBytes(32));
  const key = randomBytes(32);

  test("a multipart object decrypts whole and in any range, across part boundaries, from a Blob or a stream", async () => {
    const { info, dataKey } = enc.seal({ type: "SSE-C", key });
    const sizes = [5000, 4099, 37];
    const partNumbers = [2, 5, 9];
    const plain = sizes.map((n) => randomBytes(n));
    const stored = Buffer.concat(await Promise.all(plain.map((p, i) => collect(encrypting(chunked(p, 777), dataKey, partNumbers[i]!)))));
    const whole = Buffer.concat(plain);
    expect(stored.length).toBe(whole.length);
    expect(stored.equals(whole)).toBe(false);
    const record = { size: whole.length, partSizes: sizes, sse: { ...info, parts: partNumbers } };
    const all = await decrypted(new Blob([stored]), record, dataKey);
    expect(Buffer.from(await (all as Blob).arrayBuffer()).equals(whole)).toBe(true);
    for (const [start, end] of [[0, 0], [1, 17], [4990, 5010], [4999, 9099], [15, 9135], [9099, 9135], [5000, 5000]] as const) {
      const slice = stored.subarray(start, end + 1);
      const fromBlob = await decrypted(new Blob([slice]), record, dataKey, { start, end });
      expect(Buffer.from(await (fromBlob as Blob).arrayBuffer()).equals(whole.subarray(start, end + 1))).toBe(true);
      const fromStream = await decrypted(streamOf(slice), record, dataKey, { start, end }) as { stream: ReadableStream<Uint8Array> };
      expect((await collect(fromStream.stream)).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  test("a part longer than the 1 MiB keystream segments decrypts at any offset, whatever the write chunking", async () => {
    const { dataKey } = enc.seal({ type: "SSE-S3" });
    const plain = randomBytes(3 * 1024 * 1024 + 100);
    const stored = await collect(encrypting(chunked(plain, 100_003), dataKey, 7));
    const other = await collect(encrypting(chunked(plain, 1 << 20), dataKey, 7));
    expect(stored.equals(other)).toBe(true);
    const record = { size: plain.length, partSizes: [plain.length], sse: { type: "SSE-S3" as const, salt: "", parts: [7] } };
    for (const [start, end] of [[1048570, 1048590], [1048576, 2097151], [2097150, 3145827], [0, plain.length - 1]] as const) {
      const out = await decrypted(streamOf(stored.subarray(start, end + 1)), record, dataKey, { start, end }) as { stream: ReadableStream<Uint8Array> };
      expect((await collect(out.stream)).equals(plain.subarray(start, end + 1))).toBe(true);
    }
    // A large file-backed read goes through in slices, not whole.
    const big = await decrypted(new Blob([stored]), record, dataKey) as { stream: ReadableStream<Uint8Array> };
    expect((await collect(big.stream)).equals(plain)).toBe(true);
  });

  test("SSE-C: the key is recognised by a salted HMAC; none → InvalidRequest, another → AccessDenied; a key on a plain object → InvalidRequest", () => {
    const { info, dataKey } = enc.seal({ type: "SSE-C", key });
    expect(JSON.stringify(info)).not.toContain(key.toString("base64"));
    expect(enc.open(info, key)!.equals(dataKey)).toBe(true);
    expect(code(() => enc.open(info, undefined))).toBe("InvalidRequest");
    expect(code(() => enc.open(info, randomBytes(32)))).toBe("AccessDenied");
    expect(code(() => enc.open(undefined, key))).toBe("InvalidRequest");
    expect(enc.open(undefined, undefined)).toBeNull();
    // Two objects under one key get different data keys and ETags.
    const other = enc.seal({ type: "SSE-C", key });
    expect(other.dataKey.equals(dataKey)).toBe(false);
    expect(sealedEtag("5d41402abc4b2a76b9719d911017c592", info)).not.toBe(sealedEtag("5d41402abc4b2a76b9719d911017c592", other.info));
  });

  test("SSE-S3: a random data key per object, wrapped by the master key; another master key cannot open it", () => {
    const { info, dataKey } = enc.seal({ type: "SSE-S3" });
    expect(enc.open(info, undefined)!.equals(dataKey)).toBe(true);
    expect(sealedEtag("abc", info)).toBe("abc");
    expect(code(() => new Encryption(randomBytes(32)).open(info, undefined))).toBe("InternalError");
    expect(code(() => new Encryption(null).seal({ type: "SSE-S3" }))).toBe("InternalError");
  });
});

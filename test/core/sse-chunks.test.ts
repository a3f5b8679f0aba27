// SSE-KMS's stored format (core/sse-chunks.ts): sealed 64 KiB chunks, whole objects and multipart
// layouts read back whole and by any range, and what is changed at rest — a flipped bit, a chunk
// dropped, moved or cut off — refused instead of returned.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { CHUNK, openedChunks, sealedRange, sealedSize, sealingChunks } from "../../src/core/sse-chunks.ts";
import type { SseInfo } from "../../src/metadata/store.ts";

async function collect(source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of source as AsyncIterable<Uint8Array>) chunks.push(c);
  return Buffer.concat(chunks);
}
async function* pieces(data: Uint8Array, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
const kms: SseInfo = { type: "SSE-KMS", salt: "" };
/**
 * Reads `range` of a stored object the way the engine does: the sealed range, then opened — from a
 * Blob (opened in memory) and from a stream (opened as it arrives); both must agree.
 */
async function read(stored: Buffer, record: { size: number; partSizes?: number[]; sse: SseInfo }, key: Buffer, range?: { start: number; end: number }) {
  const r = sealedRange(record, range);
  const slice = stored.subarray(r.start, r.end + 1);
  const outputs: Buffer[] = [];
  for (const data of [new Blob([slice]), { stream: new Blob([slice]).stream(), size: slice.length }]) {
    const opened = await openedChunks(data, record, key, range);
    const out = opened instanceof Blob ? Buffer.from(await opened.arrayBuffer()) : await collect(opened.stream);
    expect(out.length).toBe(opened.size);
    outputs.push(out);
  }
  expect(outputs[0]!.equals(outputs[1]!)).toBe(true);
  return outputs[0]!;
}

describe("sse chunks", () => {
  const key = randomBytes(32);

  test.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])("%i bytes: stored size from the plaintext's, read whole and by ranges, whatever the write's pieces", async (n) => {
    const plain = randomBytes(n);
    const stored = await collect(sealingChunks(pieces(plain, 7_777), key, 0));
    expect(stored.length).toBe(sealedSize(n));
    expect((await collect(sealingChunks(pieces(plain, CHUNK), key, 0))).equals(stored)).toBe(true);
    const record = { size: n, sse: kms };
    expect((await read(stored, record, key)).equals(plain)).toBe(true);
    if (n === 0) return;
    const across = n > CHUNK ? [[CHUNK - 2, Math.min(n - 1, CHUNK + 2)] as const] : [];
    for (const [start, end] of [[0, 0], [n - 1, n - 1], [0, n - 1], [Math.floor(n / 3), Math.floor((2 * n) / 3)], ...across] as const) {
      expect((await read(stored, record, key, { start, end })).equals(plain.subarray(start, end + 1))).toBe(true);
    }
  });

  test("a multipart layout: each part its own chunks (named by its part number); ranges across parts and chunks", async () => {
    const sizes = [2 * CHUNK + 3, CHUNK, 0, 17];
    const numbers = [3, 4, 7, 9];
    const plain = sizes.map((n) => randomBytes(n));
    const stored = Buffer.concat(await Promise.all(plain.map((p, i) => collect(sealingChunks(pieces(p, 1000), key, numbers[i]!)))));
    expect(stored.length).toBe(sizes.reduce((s, n) => s + sealedSize(n), 0));
    const whole = Buffer.concat(plain);
    const record = { size: whole.length, partSizes: sizes, sse: { ...kms, parts: numbers } };
    expect((await read(stored, record, key)).equals(whole)).toBe(true);
    for (const [start, end] of [[2 * CHUNK, 2 * CHUNK + 5], [2 * CHUNK + 2, 3 * CHUNK + 3], [CHUNK, whole.length - 1], [whole.length - 17, whole.length - 1]] as const) {
      expect((await read(stored, record, key, { start, end })).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  test("what was changed at rest is refused: a flipped bit, a chunk cut off, chunks swapped, another part's chunk, another key", async () => {
    const plain = randomBytes(3 * CHUNK + 100);
    const stored = await collect(sealingChunks(pieces(plain, 65_536), key, 0));
    const record = { size: plain.length, sse: kms };
    const refused = async (bytes: Buffer, k = key, rec = record) => {
      try {
        await read(bytes, rec, k);
        return "read";
      } catch (err) {
        return (err as { code?: string }).code ?? String(err);
      }
    };
    const flipped = Buffer.from(stored);
    flipped[CHUNK + 20]! ^= 1;
    expect(await refused(flipped)).toBe("InternalError");
    // The last chunk cut off: the one before it does not say it is the last.
    const cut = stored.subarray(0, 3 * (CHUNK + 16));
    expect(await refused(cut, key, { size: 3 * CHUNK, sse: kms })).toBe("InternalError");
    const sealedChunk = (i: number) => stored.subarray(i * (CHUNK + 16), (i + 1) * (CHUNK + 16));
    expect(await refused(Buffer.concat([sealedChunk(1), sealedChunk(0), stored.subarray(2 * (CHUNK + 16))]))).toBe("InternalError");
    const asPart5 = await collect(sealingChunks(pieces(plain, 65_536), key, 5));
    expect(await refused(asPart5)).toBe("InternalError");
    expect(await refused(stored, randomBytes(32))).toBe("InternalError");
    expect(await refused(stored)).toBe("read");
  });
});

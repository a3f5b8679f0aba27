// SSE-KMS's stored format: authenticated AES-256-GCM in chunks. Each part of an object (0 for a single
// PUT) is cut into 64 KiB chunks of plaintext, each stored as its ciphertext and a 16-byte tag, with the
// IV part ‖ chunk index ‖ last-chunk flag — so a chunk moved, dropped, repeated or cut off fails to
// open, and an object always ends on a chunk that says it is the last (an empty part is one empty
// chunk). A range reads and opens only the chunks it covers. The data key is unique per object or
// upload, so no (key, IV) pair is ever used twice. Stored sizes follow from plaintext sizes
// (sealedSize), so parts, ranges and upstream sessions are mapped without reading anything.
import { createCipheriv, createDecipheriv } from "node:crypto";
import { S3Error } from "../errors.ts";
import type { ObjectRecord } from "../metadata/store.ts";
import type { ByteRange, StoredData } from "../storage/backend.ts";

export const CHUNK = 64 * 1024;
const TAG = 16;
/** Reads up to this size are opened in memory at once (as counter mode's are). */
const IN_MEMORY = 1024 * 1024;

type Layout = Pick<ObjectRecord, "size" | "partSizes" | "sse">;

/** The stored size of `n` bytes of plaintext in one part. */
export const sealedSize = (n: number) => n + TAG * Math.max(1, Math.ceil(n / CHUNK));

function iv(part: number, chunk: number, last: boolean): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(part, 0);
  out.writeUInt32BE(chunk, 4);
  out.writeUInt32BE(last ? 1 : 0, 8);
  return out;
}

function seal(key: Buffer, part: number, chunk: number, last: boolean, plain: Uint8Array): Buffer {
  const gcm = createCipheriv("aes-256-gcm", key, iv(part, chunk, last));
  return Buffer.concat([gcm.update(plain), gcm.final(), gcm.getAuthTag()]);
}

function open(key: Buffer, part: number, chunk: number, last: boolean, sealed: Uint8Array): Buffer {
  const gcm = createDecipheriv("aes-256-gcm", key, iv(part, chunk, last));
  gcm.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([gcm.update(sealed.subarray(0, sealed.length - TAG)), gcm.final()]);
  } catch {
    throw new S3Error("InternalError", { message: "Stored data failed its authentication check: it was changed or damaged at rest." });
  }
}

/** Encrypts `source` as part `part` (0: a whole object) in sealed chunks. */
export async function* sealingChunks(source: AsyncIterable<Uint8Array>, key: Buffer, part: number): AsyncGenerator<Uint8Array> {
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  // A full chunk waits until more bytes show it is not the last.
  let full: Buffer | null = null;
  let index = 0;
  for await (const bytes of source) {
    for (let at = 0; at < bytes.length;) {
      const take = Math.min(CHUNK - heldBytes, bytes.length - at);
      held.push(bytes.subarray(at, at + take));
      heldBytes += take;
      at += take;
      if (heldBytes === CHUNK) {
        if (full) yield seal(key, part, index++, false, full);
        full = Buffer.concat(held, CHUNK);
        held = [];
        heldBytes = 0;
      }
    }
  }
  if (heldBytes > 0) {
    if (full) yield seal(key, part, index++, false, full);
    yield seal(key, part, index, true, Buffer.concat(held, heldBytes));
  } else {
    yield seal(key, part, index, true, full ?? Buffer.alloc(0));
  }
}

/** Each part's place in plaintext and in the stored bytes. */
function parts(record: Layout): Array<{ part: number; plainStart: number; size: number; storedStart: number }> {
  const numbers = record.sse?.parts;
  const sizes = numbers && record.partSizes ? record.partSizes : [record.size];
  let plainStart = 0;
  let storedStart = 0;
  return sizes.map((size, i) => {
    const p = { part: numbers && record.partSizes ? numbers[i]! : 0, plainStart, size, storedStart };
    plainStart += size;
    storedStart += sealedSize(size);
    return p;
  });
}

/** One chunk to open: where its sealed bytes are, its IV's fields, and which of its plaintext bytes the read wants. */
interface ChunkRead { storedLength: number; part: number; index: number; last: boolean; from: number; to: number }

/** The stored bytes a plaintext range needs (whole chunks), and the chunks in them. */
function plan(record: Layout, range: ByteRange | undefined): { stored: ByteRange; chunks: ChunkRead[] } {
  const start = range?.start ?? 0;
  const end = range?.end ?? record.size - 1;
  const chunks: ChunkRead[] = [];
  let storedStart = -1;
  let storedEnd = -1;
  for (const p of parts(record)) {
    const count = Math.max(1, Math.ceil(p.size / CHUNK));
    // Only parts the range overlaps — and an empty part between two of them, whose empty chunk lies in
    // the stored bytes read (an empty object is its one empty chunk).
    if (record.size > 0) {
      if (p.plainStart > end) break;
      if (p.size === 0 ? storedStart < 0 : p.plainStart + p.size <= start) continue;
    }
    const first = p.size === 0 ? 0 : Math.floor((Math.max(start, p.plainStart) - p.plainStart) / CHUNK);
    const lastWanted = p.size === 0 ? 0 : Math.floor((Math.min(end, p.plainStart + p.size - 1) - p.plainStart) / CHUNK);
    for (let c = first; c <= lastWanted; c++) {
      const plainLength = c < count - 1 ? CHUNK : p.size - CHUNK * (count - 1);
      const chunkStart = p.plainStart + c * CHUNK;
      const at = p.storedStart + c * (CHUNK + TAG);
      if (storedStart < 0) storedStart = at;
      storedEnd = at + plainLength + TAG - 1;
      chunks.push({
        storedLength: plainLength + TAG, part: p.part, index: c, last: c === count - 1,
        from: p.size === 0 ? 0 : Math.max(start, chunkStart) - chunkStart, to: p.size === 0 ? 0 : Math.min(end, chunkStart + plainLength - 1) - chunkStart + 1,
      });
    }
  }
  return { stored: { start: storedStart, end: storedEnd }, chunks };
}

/** The stored range to read for a plaintext range (or the whole object). */
export const sealedRange = (record: Layout, range: ByteRange | undefined): ByteRange => plan(record, range).stored;

/** The plaintext of `range` (or the whole object) from stored bytes read from sealedRange of it. */
export async function openedChunks(data: StoredData, record: Layout, key: Buffer, range?: ByteRange): Promise<StoredData> {
  const { chunks } = plan(record, range);
  const size = range ? range.end - range.start + 1 : record.size;
  // A small read in memory is opened at once, into memory.
  if (data instanceof Blob && data.size <= IN_MEMORY) {
    const bytes = Buffer.from(await data.arrayBuffer());
    const out: Buffer[] = [];
    let at = 0;
    for (const c of chunks) {
      if (at + c.storedLength > bytes.length) throw new S3Error("InternalError", { message: "Stored data is shorter than its record." });
      out.push(open(key, c.part, c.index, c.last, bytes.subarray(at, at + c.storedLength)).subarray(c.from, c.to));
      at += c.storedLength;
    }
    return new Blob(out);
  }
  const input = data instanceof Blob ? data.stream() : data.stream;
  const reader = input.getReader();
  // The bytes read and not yet opened: buf from off on (copied only to join a chunk's two pieces).
  let buf: Buffer = Buffer.alloc(0);
  let off = 0;
  let next = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (next === chunks.length) return controller.close();
        // Every whole chunk read so far, opened in one go.
        const opened: Buffer[] = [];
        for (let c = chunks[next]; c && buf.length - off >= c.storedLength; c = chunks[next]) {
          opened.push(open(key, c.part, c.index, c.last, buf.subarray(off, off + c.storedLength)).subarray(c.from, c.to));
          off += c.storedLength;
          next++;
        }
        if (opened.length > 0) return controller.enqueue(opened.length === 1 ? opened[0]! : Buffer.concat(opened));
        const { value, done } = await reader.read();
        if (done) throw new S3Error("InternalError", { message: "Stored data is shorter than its record." });
        const bytes = Buffer.from(value.buffer, value.byteOffset, value.length);
        buf = off < buf.length ? Buffer.concat([buf.subarray(off), bytes]) : bytes;
        off = 0;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream, size };
}

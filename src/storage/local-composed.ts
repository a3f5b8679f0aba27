// Objects CompleteMultipartUpload makes on local storage, without copying a byte: a directory
// <shard>/<id> holding a hard link to each part's file ("0", "1", … in order) and "sizes" (their
// sizes, JSON). Stored files are never rewritten, so a link is as good as a copy, and deleting the
// parts afterwards leaves the object's bytes where they are. The directory is built in .tmp and
// renamed into place whole (after an fsync of it), so a crash leaves it complete or only in .tmp.
// Reads: a range inside one part is that file's slice (sendfile, like a large plain object); up to
// IN_MEMORY_READ across parts is read into memory; larger reads stream part after part — and
// Bun.serve sends a stream chunked, without Content-Length (oven-sh/bun#10507), which S3 clients
// do not expect of a GET. So after Complete the parts are also copied, in the background, into one
// file `whole` (consolidate); from then on the object reads like a plain one and the links go.
import { closeSync, existsSync, fdatasync, fsync, link, linkSync, mkdir, open, openSync, read, readdirSync, readFileSync, rename, rmSync, write, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { IN_MEMORY_READ, type StoredData } from "./backend.ts";

const linkAsync = promisify(link);
const mkdirAsync = promisify(mkdir);
const openAsync = promisify(open);
const readAsync = promisify(read);
const fsyncAsync = promisify(fsync);
const fdatasyncAsync = promisify(fdatasync);
const renameAsync = promisify(rename);
const writeAsync = promisify(write);

const SIZES = "sizes";
/** The object's bytes in one file, once consolidated. */
export const WHOLE = "whole";
/** Bytes per read of a streamed composed object. */
const STREAM_CHUNK = 1024 * 1024;

export async function readFullyAsync(fd: number, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await readAsync(fd, into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error("stored file is shorter than its record");
    done += bytesRead;
  }
}

async function fsyncPath(path: string): Promise<void> {
  const fd = await openAsync(path, "r");
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Fills the new directory `dir` (which must not exist) with links to `parts` in order and their
 * sizes, durably (the files' data already is; this makes the entries so). Returns the total size.
 */
export async function buildComposed(dir: string, parts: string[], sizeOf: (path: string) => number): Promise<number> {
  await mkdirAsync(dir);
  await Promise.all(parts.map((part, i) => linkAsync(part, join(dir, String(i)))));
  const sizes = parts.map((_, i) => sizeOf(join(dir, String(i))));
  const fd = await openAsync(join(dir, SIZES), "wx", 0o644);
  try {
    writeSync(fd, JSON.stringify(sizes));
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
  await fsyncPath(dir);
  return sizes.reduce((a, b) => a + b, 0);
}

/** Whether `dir`'s filesystem makes hard links (FAT and some network filesystems do not). */
export function linksWork(dir: string): boolean {
  const probe = join(dir, `link-probe-${crypto.randomUUID()}`);
  closeSync(openSync(probe, "wx"));
  try {
    linkSync(probe, `${probe}.2`);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { force: true });
    rmSync(`${probe}.2`, { force: true });
  }
}

/**
 * Bytes [start, end) of the composed object in `dir`. The caller holds the object's part files
 * (a delete, or dropping them once consolidated, waits); `release` ends that, called once: when the
 * bytes are in memory, `graceMs` after a part file is handed to Bun for sendfile (it opens the path
 * later), or when a stream ends.
 */
export async function readComposed(dir: string, start: number, end: number, release: () => void, graceMs: number): Promise<StoredData> {
  let streaming = false;
  try {
    const sizes = readSizes(dir);
    end = Math.min(end, sizes.reduce((a, b) => a + b, 0));
    // The part holding `start`, and where it begins.
    let part = 0;
    let partStart = 0;
    while (part < sizes.length - 1 && partStart + sizes[part]! <= start) partStart += sizes[part++]!;
    const length = end - start;
    if (end <= partStart + sizes[part]! && length > 64 * 1024) {
      streaming = true;
      setTimeout(release, graceMs).unref();
      return Bun.file(join(dir, String(part))).slice(start - partStart, end - partStart);
    }
    if (length <= IN_MEMORY_READ) {
      const bytes = new Uint8Array(length);
      for (let done = 0, offset = start - partStart; done < length; part++, offset = 0) {
        const n = Math.min(sizes[part]! - offset, length - done);
        if (n <= 0) continue;
        const fd = openSync(join(dir, String(part)), "r");
        try {
          await readFullyAsync(fd, bytes.subarray(done, done + n), offset);
        } finally {
          closeSync(fd);
        }
        done += n;
      }
      return new Blob([bytes]);
    }
    streaming = true;
    return { stream: stitched(dir, sizes, part, start - partStart, length, release), size: length };
  } finally {
    if (!streaming) release();
  }
}

const readSizes = (dir: string) => JSON.parse(readFileSync(join(dir, SIZES), "utf8")) as number[];

/**
 * Writes the parts' bytes, in order, into one file `dir`/whole (through whole.tmp: fdatasync, rename,
 * fsync of the directory), so the object can be sent by sendfile, with its Content-Length, again.
 * A whole.tmp a crash left behind is overwritten; one `cancelled` stops is removed.
 */
export async function consolidate(dir: string, cancelled: () => boolean): Promise<void> {
  const sizes = readSizes(dir);
  const tmp = join(dir, `${WHOLE}.tmp`);
  const out = await openAsync(tmp, "w", 0o644);
  try {
    await appendFiles(out, sizes.map((_, part) => join(dir, String(part))), cancelled);
    await fdatasyncAsync(out);
  } catch (err) {
    closeSync(out);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(out);
  await renameAsync(tmp, join(dir, WHOLE));
  await fsyncPath(dir);
}

/** Writes the files at `paths`, in order, into `out` from its start, through one reused buffer; their total size. */
export async function appendFiles(out: number, paths: string[], cancelled: () => boolean = () => false): Promise<number> {
  const buffer = new Uint8Array(STREAM_CHUNK);
  let at = 0;
  for (const path of paths) {
    const input = await openAsync(path, "r");
    try {
      for (let n: number; (n = (await readAsync(input, buffer, 0, buffer.length, null)).bytesRead) > 0; at += n) {
        if (cancelled()) throw new Error("storage closed");
        for (let written = 0; written < n; ) written += (await writeAsync(out, buffer, written, n - written, at + written)).bytesWritten;
      }
    } finally {
      closeSync(input);
    }
  }
  return at;
}

/** Once `dir`/whole exists: removes the links to the parts (nothing reads them any more). */
export function dropParts(dir: string): void {
  if (!existsSync(join(dir, WHOLE))) return;
  for (const name of readdirSync(dir)) if (/^\d+$/.test(name)) rmSync(join(dir, name), { force: true });
}

/** `length` bytes from `offset` in part `part` on, one part file open at a time. */
function stitched(dir: string, sizes: number[], part: number, offset: number, length: number, release: () => void): ReadableStream<Uint8Array> {
  let fd: number | undefined;
  let left = length;
  let busy = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    // A read in flight still uses the descriptor: the pull closes it when that read returns.
    if (fd !== undefined && !busy) closeSync(fd);
    release();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      busy = true;
      try {
        while (offset >= sizes[part]!) {
          if (fd !== undefined) closeSync(fd);
          fd = undefined;
          part++;
          offset = 0;
        }
        fd ??= await openAsync(join(dir, String(part)), "r");
        const chunk = new Uint8Array(Math.min(STREAM_CHUNK, sizes[part]! - offset, left));
        await readFullyAsync(fd, chunk, offset);
        offset += chunk.length;
        left -= chunk.length;
        busy = false;
        if (finished) return void closeSync(fd);
        controller.enqueue(chunk);
        if (left === 0) {
          finish();
          controller.close();
        }
      } catch (err) {
        busy = false;
        if (finished && fd !== undefined) closeSync(fd);
        finish();
        controller.error(err);
      }
    },
    cancel: finish,
  }, { highWaterMark: 0 });
}

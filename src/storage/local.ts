// Local-disk storage: each write goes to <root>/.tmp, is fdatasync'd, renamed to <root>/<xx>/<id> and
// the directory fsync'd, so a file is either whole under its final name or gone after a crash.
// Objects up to 8 MiB are read into memory from one open descriptor (whole objects up to 64 KiB are
// also kept in a small cache, 16 MiB in all): sent by sendfile, Bun would add a Content-Disposition
// naming the storage file, which S3 never sends for an object without one. Larger objects, and any
// range of them over 64 KiB (the 8 MiB ranges of a CLI's parallel download), are file-backed Blobs
// that Bun sends with sendfile, so memory stays flat however large or many the downloads. Bun opens
// such a file only as the response starts, so a delete does not unlink a file handed out for
// sendfile in the last second until that second has passed (a crash in between leaves an orphan
// that start-up reconciliation removes).
import { accessSync, closeSync, constants, fdatasync, fstatSync, fsync, mkdirSync, open, openSync, read, readdirSync, readSync, rename, renameSync, rmSync, statSync, unlink, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { S3Error } from "../errors.ts";
import { assertStorageId, IN_MEMORY_READ, newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData } from "./backend.ts";
import { SmallObjectCache } from "./small-cache.ts";

const fdatasyncAsync = promisify(fdatasync);
const readAsync = promisify(read);
const fsyncAsync = promisify(fsync);
const unlinkAsync = promisify(unlink);
const openAsync = promisify(open);
const renameAsync = promisify(rename);

const COMPOSE_BUFFER = 1024 * 1024;
/** Reads up to this size are done synchronously: a few page-cache copies, no thread hop. */
const SYNC_READ = 64 * 1024;
/** How long after a file is handed to Bun for sendfile it may still be opened by path. */
const SENDFILE_GRACE_MS = 1000;
/** Bytes written between the early fdatasyncs of a large write. */
const EARLY_FLUSH = 8 * 1024 * 1024;

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error("stored file is shorter than its record");
    done += n;
  }
}

async function readFullyAsync(fd: number, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await readAsync(fd, into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error("stored file is shorter than its record");
    done += bytesRead;
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;

export class LocalStorage implements StorageBackend {
  readonly name = "local";
  private readonly tmpDir: string;
  /** Open directory handles of the shard folders, kept for the fsync after each rename. */
  private readonly dirFds = new Map<string, number>();
  /** Whole objects up to 64 KiB, 16 MiB in all. */
  private readonly cache = new SmallObjectCache(16 * 1024 * 1024, SYNC_READ);
  /** Ids handed out for sendfile, with when; their unlinks wait out SENDFILE_GRACE_MS. */
  private readonly sendfiles = new Map<string, number>();
  /** Unlinks waiting for a sendfile's grace to pass, done at once by close(). */
  private readonly deferred = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly root: string) {
    this.tmpDir = join(root, ".tmp");
  }

  async init(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    // Anything in .tmp is a write that never finished: the crash recovery of this backend.
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  async close(): Promise<void> {
    for (const fd of this.dirFds.values()) closeSync(fd);
    this.dirFds.clear();
    for (const [id, timer] of this.deferred) {
      clearTimeout(timer);
      rmSync(this.path(id), { force: true });
    }
    this.deferred.clear();
  }

  /**
   * What a write does, on a probe file: create it in .tmp, rename it into the root, remove it; then
   * every shard directory must take writes too (access W_OK also sees chattr +i, even for root).
   */
  async ping(): Promise<void> {
    const name = `ping-${newStorageId()}`;
    const probe = join(this.tmpDir, name);
    closeSync(openSync(probe, "wx"));
    try {
      renameSync(probe, join(this.root, name));
      rmSync(join(this.root, name), { force: true });
    } finally {
      rmSync(probe, { force: true });
    }
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== ".tmp") accessSync(join(this.root, entry.name), constants.W_OK);
    }
  }

  private path(id: string): string {
    assertStorageId(id);
    return join(this.root, id.slice(0, 2), id);
  }

  private shardDir(id: string): number {
    const dir = join(this.root, id.slice(0, 2));
    let fd = this.dirFds.get(dir);
    if (fd === undefined) {
      mkdirSync(dir, { recursive: true });
      fd = openSync(dir, "r");
      this.dirFds.set(dir, fd);
    }
    return fd;
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    return this.durably(async (fd) => {
      let size = 0;
      let flushedAt = 0;
      // The early fdatasync in flight; it never rejects (its failure is kept in flushError), and it
      // is always awaited before this returns or throws, so the descriptor is never closed under it.
      let flushing: Promise<void> | undefined;
      let flushError: unknown;
      try {
        for await (const chunk of source) {
          writeAll(fd, chunk);
          size += chunk.length;
          // Large bodies: every 8 MiB an fdatasync starts on a worker thread, so the disk writes back
          // while more arrives and the final one has little left to do.
          if (size - flushedAt >= EARLY_FLUSH && !flushing) {
            flushedAt = size;
            flushing = fdatasyncAsync(fd).then(
              () => void (flushing = undefined),
              (err: unknown) => void ((flushError ??= err), (flushing = undefined)),
            );
          }
        }
      } finally {
        await flushing;
      }
      if (flushError) throw flushError;
      return size;
    });
  }

  async compose(ids: string[]): Promise<{ id: string; size: number }> {
    const paths = ids.map((id) => this.path(id));
    // One reused buffer: assembling any number of parts allocates nothing per chunk.
    const buffer = new Uint8Array(COMPOSE_BUFFER);
    return this.durably(async (fd) => {
      let size = 0;
      for (const path of paths) {
        const input = openSync(path, "r");
        try {
          for (;;) {
            const { bytesRead: n } = await readAsync(input, buffer, 0, buffer.length, null);
            if (n === 0) break;
            writeAll(fd, buffer.subarray(0, n));
            size += n;
          }
        } finally {
          closeSync(input);
        }
      }
      return size;
    });
  }

  /**
   * Runs `fill` against a new temp file, then makes it durable under a fresh id: fdatasync, rename
   * into its shard, fsync the shard directory. On any failure the temp file is removed.
   */
  private async durably(fill: (fd: number) => Promise<number>): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    const tmp = join(this.tmpDir, id);
    // Creating and renaming change directories; on a busy disk those calls wait for the filesystem
    // journal, so they run on worker threads like the syncs, never on the event loop.
    let fd: number | undefined = await openAsync(tmp, "wx", 0o644);
    try {
      const size = await fill(fd);
      await fdatasyncAsync(fd);
      closeSync(fd);
      fd = undefined;
      const dirFd = this.shardDir(id);
      await renameAsync(tmp, this.path(id));
      await fsyncAsync(dirFd);
      return { id, size };
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
      if (isErrno(err, "ENOSPC") || isErrno(err, "EDQUOT")) throw new S3Error("StorageFull", { cause: err });
      throw err;
    }
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    const cached = this.cache.get(id);
    if (cached) return new Blob([range ? cached.subarray(range.start, range.end + 1) : cached]);
    const path = this.path(id);
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      if (isErrno(err, "ENOENT")) return null;
      throw err;
    }
    let closeHere = true;
    try {
      const size = fstatSync(fd).size;
      const start = range?.start ?? 0;
      const end = range ? Math.min(range.end + 1, size) : size;
      const length = end - start;
      if (size > IN_MEMORY_READ && length > SYNC_READ) {
        // Large objects go out by sendfile from a file-backed Blob (Bun opens the path itself).
        this.handedOut(id);
        const file = Bun.file(path);
        return range ? file.slice(start, end) : file;
      }
      // Smaller ones are read here from the descriptor just opened: cheaper per request, and the
      // bytes are the object's even if an overwrite unlinks the file a moment later.
      const bytes = new Uint8Array(length);
      if (length <= SYNC_READ) {
        readFully(fd, bytes, start);
        if (length === size && size <= this.cache.maxObjectBytes) this.cache.set(id, bytes);
      } else {
        closeHere = false;
        await readFullyAsync(fd, bytes, start).finally(() => closeSync(fd));
      }
      return new Blob([bytes]);
    } finally {
      if (closeHere) closeSync(fd);
    }
  }

  private handedOut(id: string): void {
    const now = performance.now();
    this.sendfiles.delete(id);
    this.sendfiles.set(id, now);
    // Oldest first (Map order): drop the entries whose grace has passed.
    for (const [old, at] of this.sendfiles) {
      if (now - at < SENDFILE_GRACE_MS) break;
      this.sendfiles.delete(old);
    }
  }

  async delete(id: string): Promise<void> {
    this.cache.delete(id);
    const at = this.sendfiles.get(id);
    const wait = at === undefined ? 0 : SENDFILE_GRACE_MS - (performance.now() - at);
    if (wait > 0 && !this.deferred.has(id)) {
      const timer = setTimeout(() => {
        this.deferred.delete(id);
        this.sendfiles.delete(id);
        void this.unlink(id).catch(() => {});
      }, wait);
      timer.unref();
      this.deferred.set(id, timer);
      return;
    }
    if (!this.deferred.has(id)) await this.unlink(id);
  }

  private async unlink(id: string): Promise<void> {
    try {
      await unlinkAsync(this.path(id));
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
    }
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    const shards = readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name));
    for (const shard of shards) {
      for (const name of readdirSync(join(this.root, shard.name))) {
        if (!STORAGE_ID.test(name)) continue;
        try {
          yield { id: name, modified: statSync(join(this.root, shard.name, name)).mtimeMs };
        } catch (err) {
          if (!isErrno(err, "ENOENT")) throw err;
        }
      }
    }
  }
}

// Local-disk storage: each write goes to <root>/.tmp, is fdatasync'd, renamed to <root>/<xx>/<id> and
// the directory fsync'd, so a file is either whole under its final name or gone after a crash.
// Objects up to 8 MiB are read into memory from one open descriptor (whole objects up to 64 KiB are
// also kept in a small cache, 4 MiB in all: the garbage collector lets the heap grow to about twice
// what is live, so a larger cache costs twice its size on reads over many objects). Sent by sendfile,
// Bun would add a Content-Disposition naming the storage file, which S3 never sends for an object
// without one. Larger objects, and any range of them over 64 KiB (the 8 MiB ranges of a CLI's
// parallel download), are file-backed Blobs that Bun sends with sendfile, so memory stays flat
// however large or many the downloads (a delete waits for Bun to open them: local-holds.ts).
// compose() (CompleteMultipartUpload) copies nothing on the request: the object is hard links to the
// parts' files, consolidated into one file in the background (local-composed.ts); copy() is a hard
// link too.
import { accessSync, closeSync, constants, fdatasync, fstatSync, fsync, link, mkdirSync, open, openSync, readdirSync, readSync, rename, renameSync, rmSync, statSync, unlink, writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { S3Error } from "../errors.ts";
import { assertStorageId, IN_MEMORY_READ, newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData } from "./backend.ts";
import { appendFiles, buildComposed, consolidate, dropParts, linksWork, readComposed, readFullyAsync, WHOLE } from "./local-composed.ts";
import { SENDFILE_GRACE_MS, UnlinkHolds } from "./local-holds.ts";
import { SmallObjectCache } from "./small-cache.ts";

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const unlinkAsync = promisify(unlink);
const openAsync = promisify(open);
const renameAsync = promisify(rename);
const linkAsync = promisify(link);

/** Reads up to this size are done synchronously: a few page-cache copies, no thread hop. */
const SYNC_READ = 64 * 1024;
/** The buffer synchronous reads go through (each is copied into its Blob before the next). */
const scratch = new Uint8Array(SYNC_READ);
/** Bytes written between the early fdatasyncs of a large write. */
const EARLY_FLUSH = 8 * 1024 * 1024;

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error("stored file is shorter than its record");
    done += n;
  }
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let offset = 0;
  while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
}

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;
const storageError = (err: unknown) => (isErrno(err, "ENOSPC") || isErrno(err, "EDQUOT") ? new S3Error("StorageFull", { cause: err }) : err);

export class LocalStorage implements StorageBackend {
  readonly name = "local";
  private readonly tmpDir: string;
  /** Open directory handles of the shard folders, kept for the fsync after each rename. */
  private readonly dirFds = new Map<string, number>();
  /** Whole objects up to 64 KiB, 4 MiB in all. */
  private readonly cache = new SmallObjectCache(4 * 1024 * 1024, SYNC_READ);
  /** What delays an unlink: sendfile's grace, reads of a composed object's parts, consolidation. */
  private readonly holds = new UnlinkHolds((id) => this.unlink(id), (id) => dropParts(this.path(id)));
  /** Composed objects being made one file again (local-composed.ts), and the queue doing it. */
  private readonly consolidating = new Set<string>();
  private consolidation = Promise.resolve();
  private closed = false;
  /** Whether the filesystem has hard links (probed by init); without, compose copies and copy declines. */
  private links = false;

  /** `node`: in a cluster sharing `root`, this node's temp files live in .tmp/<node> (and only those are its to clear). */
  constructor(private readonly root: string, private readonly node?: string) {
    this.tmpDir = node ? join(root, ".tmp", node) : join(root, ".tmp");
  }

  async init(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    // Anything in .tmp (this node's, in a cluster) is a write that never finished: the crash recovery of this backend.
    rmSync(this.tmpDir, { recursive: true, force: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.links = linksWork(this.tmpDir);
  }

  async close(): Promise<void> {
    for (const fd of this.dirFds.values()) closeSync(fd);
    this.dirFds.clear();
    this.closed = true;
    await this.consolidation;
    for (const id of this.holds.takeWaiting()) rmSync(this.path(id), { recursive: true, force: true });
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

  /**
   * No byte is copied: one part becomes the object under a second name (a hard link), more become a
   * directory of links (local-composed.ts). The parts' own names are freed by the engine after.
   */
  async compose(ids: string[]): Promise<{ id: string; size: number }> {
    const paths = ids.map((id) => this.path(id));
    // A directory shared by a cluster's nodes: a composed object's links are dropped by the node that
    // consolidates it, under another node's reads (holds are per process), so several parts are copied.
    if (!this.links || (this.node !== undefined && paths.length > 1)) return this.composeByCopy(paths);
    const id = newStorageId();
    const tmp = join(this.tmpDir, id);
    try {
      let size: number;
      if (paths.length === 1) {
        await linkAsync(paths[0]!, tmp);
        size = statSync(tmp).size;
      } else {
        size = await buildComposed(tmp, paths, (path) => statSync(path).size);
      }
      await this.install(id, tmp);
      if (paths.length > 1) this.consolidateLater(id);
      return { id, size };
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw storageError(err);
    }
  }

  /** Without hard links: the parts' bytes copied into one new file. */
  private composeByCopy(paths: string[]): Promise<{ id: string; size: number }> {
    return this.durably((fd) => appendFiles(fd, paths));
  }

  /** A copy is the same file under a second name (a hard link): stored files are never rewritten. */
  async copy(id: string, size: number): Promise<{ id: string; size: number } | null> {
    if (!this.links) return null;
    const source = this.path(id);
    const copyId = newStorageId();
    const tmp = join(this.tmpDir, copyId);
    try {
      await linkAsync(source, tmp);
    } catch (err) {
      // A composed object (a directory) cannot be linked: the engine streams it through instead; a
      // source freed under the copy (a concurrent overwrite) is found gone by that read too.
      if (isErrno(err, "EPERM") || isErrno(err, "EISDIR") || isErrno(err, "ENOENT")) return null;
      throw storageError(err);
    }
    try {
      if (statSync(tmp).size !== size) throw new Error(`stored file ${id} is not ${size} bytes`);
      await this.install(copyId, tmp);
      return { id: copyId, size };
    } catch (err) {
      rmSync(tmp, { force: true });
      throw storageError(err);
    }
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
      await this.install(id, tmp);
      return { id, size };
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
      throw storageError(err);
    }
  }

  /** Moves a finished temp entry to its final name, durably (rename, fsync of the shard directory). */
  private async install(id: string, tmp: string): Promise<void> {
    const dirFd = this.shardDir(id);
    await renameAsync(tmp, this.path(id));
    await fsyncAsync(dirFd);
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    const cached = this.cache.get(id);
    // A Blob's bytes are shared by its slices and by every Response sent from it: a hit copies nothing.
    if (cached) return range ? cached.slice(range.start, range.end + 1) : cached;
    const path = this.path(id);
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      if (isErrno(err, "ENOENT")) return null;
      // A composed object is a directory (Windows refuses to open one; Linux and macOS do not).
      if (isErrno(err, "EISDIR")) return this.readComposed(id, range);
      throw err;
    }
    const stat = (() => {
      try {
        return fstatSync(fd);
      } catch (err) {
        closeSync(fd);
        throw err;
      }
    })();
    if (!stat.isDirectory()) return this.readFile(id, path, fd, stat.size, range);
    closeSync(fd);
    return this.readComposed(id, range);
  }

  /** Reads from the stored file open on `fd` (closed here) at `path`, of `size` bytes. */
  private async readFile(id: string, path: string, fd: number, size: number, range?: ByteRange): Promise<StoredData> {
    let closeHere = true;
    try {
      const start = range?.start ?? 0;
      const end = range ? Math.min(range.end + 1, size) : size;
      const length = end - start;
      if (size > IN_MEMORY_READ && length > SYNC_READ) {
        // Large objects go out by sendfile from a file-backed Blob (Bun opens the path itself).
        this.holds.handedOut(id);
        const file = Bun.file(path);
        return range ? file.slice(start, end) : file;
      }
      // Smaller ones are read here from the descriptor just opened: cheaper per request, and the
      // bytes are the object's even if an overwrite unlinks the file a moment later.
      if (length <= SYNC_READ) {
        // Read into the scratch buffer and copied once into the Blob: no buffer per read left to the GC.
        const bytes = scratch.subarray(0, length);
        readFully(fd, bytes, start);
        const blob = new Blob([bytes]);
        if (length === size && size <= this.cache.maxObjectBytes) this.cache.set(id, blob);
        return blob;
      }
      const bytes = new Uint8Array(length);
      closeHere = false;
      await readFullyAsync(fd, bytes, start).finally(() => closeSync(fd));
      return new Blob([bytes]);
    } finally {
      if (closeHere) closeSync(fd);
    }
  }

  /** A composed object: its consolidated file once there is one, else its parts (local-composed.ts). */
  private async readComposed(id: string, range?: ByteRange): Promise<StoredData | null> {
    const dir = this.path(id);
    const whole = join(dir, WHOLE);
    try {
      const fd = openSync(whole, "r");
      return await this.readFile(id, whole, fd, fstatSync(fd).size, range);
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
    }
    // Held from here, in the same turn as the check above: the parts cannot be dropped under this read.
    const release = this.holds.hold(id);
    this.consolidateLater(id);
    // A delete racing this read (its record was read just before) is what removed a file here.
    return readComposed(dir, range?.start ?? 0, range ? range.end + 1 : Infinity, release, SENDFILE_GRACE_MS)
      .catch((err: unknown) => (isErrno(err, "ENOENT") ? null : Promise.reject(err)));
  }

  /** Resolves once the consolidations queued so far are done. */
  settled(): Promise<void> {
    return this.consolidation;
  }

  /** Queues the consolidation of composed object `id` (one at a time: it is background disk work). */
  private consolidateLater(id: string): void {
    if (this.consolidating.has(id)) return;
    this.consolidating.add(id);
    // Held while it runs: a delete waits for it, and the parts are dropped when the last hold ends.
    const release = this.holds.hold(id);
    this.consolidation = this.consolidation.then(async () => {
      try {
        if (!this.holds.deleting(id)) await consolidate(this.path(id), () => this.closed);
      } catch {
        // Left as it was: reads go on from the parts, and the next read of it tries again.
      } finally {
        this.consolidating.delete(id);
        release();
      }
    });
  }

  async delete(id: string): Promise<void> {
    this.cache.delete(id);
    await this.holds.delete(id);
  }

  private async unlink(id: string): Promise<void> {
    const path = this.path(id);
    try {
      await unlinkAsync(path);
    } catch (err) {
      if (isErrno(err, "ENOENT")) return;
      // A composed object is a directory (unlink says EISDIR on Linux, EPERM elsewhere).
      if (!isErrno(err, "EISDIR") && !isErrno(err, "EPERM")) throw err;
      await rm(path, { recursive: true, force: true });
    }
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    const shards = readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name));
    for (const shard of shards) {
      for (const name of readdirSync(join(this.root, shard.name))) {
        if (!STORAGE_ID.test(name)) continue;
        try {
          // ctime too: a copy is a hard link, whose file keeps its source's mtime but whose link
          // (like any rename or unlink of it) is a status change; reconciliation must see it as new.
          const stat = statSync(join(this.root, shard.name, name));
          yield { id: name, modified: Math.max(stat.mtimeMs, stat.ctimeMs) };
        } catch (err) {
          if (!isErrno(err, "ENOENT")) throw err;
        }
      }
    }
  }
}

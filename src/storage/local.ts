// Local-disk storage: each write goes to <root>/.tmp, is fdatasync'd, renamed to <root>/<xx>/<id> and
// the directory fsync'd, so a file is either whole under its final name or gone after a crash.
// Reads hand Bun a file-backed Blob, which it sends with sendfile without copying through JS.
import { closeSync, fdatasync, fsync, mkdirSync, openSync, read, readdirSync, renameSync, rmSync, statSync, unlink, writeSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { S3Error } from "../errors.ts";
import type { ByteRange, StorageBackend, StoredData } from "./backend.ts";

const fdatasyncAsync = promisify(fdatasync);
const readAsync = promisify(read);
const fsyncAsync = promisify(fsync);
const unlinkAsync = promisify(unlink);

const newId = () => crypto.randomUUID().replaceAll("-", "");
const ID_SHAPE = /^[0-9a-f]{32}$/;
const COMPOSE_BUFFER = 1024 * 1024;

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
  }

  async ping(): Promise<void> {
    const probe = join(this.tmpDir, `ping-${newId()}`);
    closeSync(openSync(probe, "wx"));
    rmSync(probe, { force: true });
  }

  private path(id: string): string {
    if (!ID_SHAPE.test(id)) throw new Error(`invalid storage id ${JSON.stringify(id)}`);
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
      for await (const chunk of source) {
        writeAll(fd, chunk);
        size += chunk.length;
      }
      return size;
    });
  }

  async compose(ids: string[], observe?: (chunk: Uint8Array) => void): Promise<{ id: string; size: number }> {
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
            const chunk = buffer.subarray(0, n);
            observe?.(chunk);
            writeAll(fd, chunk);
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
    const id = newId();
    const tmp = join(this.tmpDir, id);
    let fd: number | undefined = openSync(tmp, "wx", 0o644);
    try {
      const size = await fill(fd);
      await fdatasyncAsync(fd);
      closeSync(fd);
      fd = undefined;
      const dirFd = this.shardDir(id);
      renameSync(tmp, this.path(id));
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
    const file = Bun.file(this.path(id));
    if (!(await file.exists())) return null;
    return range ? file.slice(range.start, range.end + 1) : file;
  }

  async delete(id: string): Promise<void> {
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
        if (!ID_SHAPE.test(name)) continue;
        try {
          yield { id: name, modified: statSync(join(this.root, shard.name, name)).mtimeMs };
        } catch (err) {
          if (!isErrno(err, "ENOENT")) throw err;
        }
      }
    }
  }
}

// Cold reads for the benchmark: a file's pages dropped from the page cache (posix_fadvise
// POSIX_FADV_DONTNEED, which needs no privilege but drops only pages already written back: the file
// is fdatasync'd first), so that the next read of it comes from the disk. Linux with glibc only, like
// the rest of the benchmark (/proc).
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, fdatasyncSync, openSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const POSIX_FADV_DONTNEED = 4;
let libc: ReturnType<typeof open> | undefined;
const open = () => dlopen("libc.so.6", { posix_fadvise: { args: [FFIType.i32, FFIType.i64, FFIType.i64, FFIType.i32], returns: FFIType.i32 } });

/** Drops `path`'s cached pages; throws when the kernel refuses. */
export function evict(path: string): void {
  libc ??= open();
  const fd = openSync(path, "r");
  try {
    fdatasyncSync(fd);
    const err = libc.symbols.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (err !== 0) throw new Error(`posix_fadvise(${path}) failed: errno ${err}`);
  } finally {
    closeSync(fd);
  }
}

/** Drops the cached pages of every file of at least `minBytes` under `dir` (a server's stored objects). */
export function evictLarge(dir: string, minBytes: number): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (statSync(path).size >= minBytes) {
      evict(path);
      n++;
    }
  }
  return n;
}

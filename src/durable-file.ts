// Replacing a file whole or not at all: the new content is written to `<path>.tmp`, fsynced and
// renamed over `path`, then the directory is fsynced. A crash leaves the old file (and perhaps a
// torn temp file, which the next writer truncates) or the new one, never a mix.
import { closeSync, fsyncSync, openSync, renameSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

export const tempOf = (path: string) => `${path}.tmp`;

export function replaceFile(path: string, write: (fd: number) => void, mode = 0o600): void {
  const temp = tempOf(path);
  const fd = openSync(temp, "w", mode);
  try {
    write(fd);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  syncDirectory(dirname(path));
}

/** replaceFile for content written a piece at a time, without holding the event loop. */
export async function replaceFileAsync(path: string, write: (out: FileHandle) => Promise<void>, mode = 0o600): Promise<void> {
  const temp = tempOf(path);
  const out = await open(temp, "w", mode);
  try {
    await write(out);
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(temp, path);
  syncDirectory(dirname(path));
}

/** Makes the directory's entries (a created, renamed or removed file) durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

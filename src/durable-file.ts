// Replacing a file whole or not at all: the new content is written to `<path>.tmp`, fsynced and
// renamed over `path`, then the directory is fsynced. A crash leaves the old file (and perhaps a
// torn temp file, which the next writer truncates) or the new one, never a mix.
import { closeSync, fsyncSync, openSync, renameSync } from "node:fs";
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
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

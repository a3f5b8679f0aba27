// Benchmark: the most durable 4 KiB object writes per second this disk allows, with no HTTP and no
// S3 — the same syscalls a PUT makes (write to a temp file, fdatasync, rename, fsync the directory),
// at 1, 8 and 32 concurrent writers. The ceiling a durable PUT rate is judged against; run.ts
// measures it in the same run as the PUTs, since the disk's fsync latency drifts from hour to hour.
// Usage: bun e2e/bench/fsync-ceiling.ts [seconds]
// The same file-system thread pool as the server (see src/runtime-env.ts).
import "../../src/runtime-env.ts";
import { closeSync, fdatasync, fsync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const data = new Uint8Array(4096).fill(1);

/** Durable 4 KiB writes per second with `concurrency` writers for `seconds`. */
export async function durableWritesPerSec(concurrency: number, seconds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-fsync-"));
  try {
    mkdirSync(join(dir, "tmp"));
    mkdirSync(join(dir, "final"));
    const dirFd = openSync(join(dir, "final"), "r");
    let n = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const name = `${w}-${i}`;
        const fd = openSync(join(dir, "tmp", name), "w");
        writeSync(fd, data);
        await fdatasyncAsync(fd);
        closeSync(fd);
        renameSync(join(dir, "tmp", name), join(dir, "final", name));
        await fsyncAsync(dirFd);
        n++;
      }
    }));
    closeSync(dirFd);
    return Math.round(n / seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const seconds = Number(process.argv[2] ?? 3);
  for (const concurrency of [1, 8, 32]) {
    console.log(JSON.stringify({ bench: "fsync-ceiling", concurrency, durableWritesPerSec: await durableWritesPerSec(concurrency, seconds) }));
  }
}

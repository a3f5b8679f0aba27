// The cache-invalidation seam between processes that share one metadata engine on one machine (the
// worker processes of server.workers): a counter in a small memory-mapped file that every commit of
// every process bumps after it is in the database and before its writes are answered. A cache that
// remembers the count it was filled at and drops everything when the count moved can never return
// what another process's acknowledged write replaced; reading it costs a memory load, not a query.
// A single process needs no epoch (its own commits invalidate through engine events); a cluster of
// machines reads through instead (cacheTtlMs 0), since it shares no memory.
import { closeSync, ftruncateSync, openSync } from "node:fs";

export interface ChangeEpoch {
  /** The count now; changes whenever any process committed a change since. */
  current(): number;
  /** After a commit, before answering the writes it holds. */
  bump(): void;
}

/** The epoch shared by the processes that map `path` (created, 4 KiB, when missing). */
export class SharedEpoch implements ChangeEpoch {
  private readonly counter: Int32Array;

  constructor(path: string) {
    const fd = openSync(path, "a+", 0o600);
    try {
      // Extending a shorter file keeps its count; a new one starts at zero.
      ftruncateSync(fd, 4096);
    } finally {
      closeSync(fd);
    }
    const map = Bun.mmap(path);
    this.counter = new Int32Array(map.buffer, map.byteOffset, 1);
  }

  current(): number {
    return Atomics.load(this.counter, 0);
  }

  bump(): void {
    Atomics.add(this.counter, 0, 1);
  }
}

// The garbage collections the server runs itself, on top of JavaScriptCore's own, where its
// heuristics let memory pile up: after large request bodies, and when the heap keeps growing.
import { heapSize } from "bun:jsc";

// Request bodies arrive as chunks the runtime allocates outside the JavaScript heap, so the garbage
// collector does not feel their weight: after a few large uploads, tens of MiB of finished chunks
// can wait for a collection that the small heap does not ask for (the multipart upload benchmark
// peaked 5–10 MiB over its 100 MiB budget that way). A full collection (about 9 ms here) after a
// large body, once at least COLLECT_AFTER bytes of bodies have arrived since the last, bounds that.

/** A body this large counts as large. */
const LARGE_BODY = 1024 * 1024;
/** Body bytes received between collections. */
const COLLECT_AFTER = 32 * 1024 * 1024;

let receivedSinceCollection = 0;

/** Records a finished (or failed) request body of `bytes`; collects garbage when enough has passed. */
export function bodyFinished(bytes: number): void {
  receivedSinceCollection += bytes;
  if (bytes >= LARGE_BODY && receivedSinceCollection >= COLLECT_AFTER) {
    receivedSinceCollection = 0;
    Bun.gc(true);
  }
}

/**
 * Once start-up is done (recovery and reconciliation finished): a full collection, then
 * JavaScriptCore is asked to shrink — it drops the code compiled for start-up alone (whatever runs
 * again is recompiled from the executable's bytecode) and hands freed memory back to the system.
 * Measured on the compiled binary: idle RSS 56.0 → 54.0 MiB (anonymous memory 12.4 → 10.6 MiB).
 */
export function settleAfterStart(): void {
  Bun.gc(true);
  // Marked deprecated in Bun's types, with nothing in its place; where it is gone, the collection alone.
  if (typeof Bun.shrink === "function") Bun.shrink();
}

// When the heap keeps growing: a busy S3 server promotes garbage into JavaScriptCore's old
// generation all the time (each nursery collection finds the requests in flight and keeps what they
// hold), and the old generation is collected only once it is a few times the nursery. Over 32
// clients' small GETs that was tens of MiB of dead heap (runtime-env.ts, which tells JavaScriptCore
// of at most 8 GiB of RAM, takes the larger part). Every INTERVAL_MS the governor reads the heap's
// size (a counter) and, once it has grown by half since the last full collection and by at least
// MIN_GROWTH, runs one (a few ms): nothing when idle, and on a large heap (the memory and local
// metadata engines keep theirs there) a collection per half again, not per few MiB.
const INTERVAL_MS = 50;
const MIN_GROWTH = 4 * 1024 * 1024;

export interface MemoryGovernor {
  /** Full collections it has run. */
  readonly collections: number;
  stop(): void;
}

export function startMemoryGovernor(intervalMs = INTERVAL_MS, minGrowth = MIN_GROWTH): MemoryGovernor {
  let floor = heapSize();
  let collections = 0;
  const timer = setInterval(() => {
    const size = heapSize();
    // A collection of JavaScriptCore's own lowers the heap: that is the new floor.
    if (size < floor) floor = size;
    if (size - floor < Math.max(minGrowth, floor / 2)) return;
    Bun.gc(true);
    collections++;
    floor = heapSize();
  }, intervalMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearInterval(timer),
  };
}

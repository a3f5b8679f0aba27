// MD5 of large bodies on worker threads, so that hashing overlaps with receiving and writing the
// bytes, and the parts of concurrent multipart uploads are hashed on several cores at once. Workers
// start on the first large body and stop after a while without work (each costs memory); a body's
// chunks all go to one worker, in order. Chunks are copied to the worker, and a job that has more
// than QUEUED_LIMIT bytes waiting there makes its writer wait (drained()) until they are hashed.
import { availableParallelism } from "node:os";
import type { Hasher } from "./digest.ts";

/** Bodies at least this large (or of unknown length) are hashed on a worker. */
export const WORKER_HASH_MIN = 1024 * 1024;
const QUEUED_LIMIT = 8 * 1024 * 1024;
const IDLE_MS = 30_000;
const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

interface Job {
  queued: number;
  drained?: () => void;
  done?: { resolve: (digest: Uint8Array) => void; reject: (err: Error) => void };
}

interface Slot { worker: Worker; jobs: Map<number, Job> }

/**
 * Beside this file when run from source; inside the compiled executable, the entrypoint build.ts
 * adds, named by its path under src/ (the executable's own files live under /$bunfs, B:/~BUN on Windows).
 */
const WORKER_ENTRY = /\$bunfs|~BUN/.test(import.meta.url) ? "./core/hash-worker.ts" : new URL("./hash-worker.ts", import.meta.url).href;

const slots: Slot[] = [];
let nextId = 1;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

function fail(slot: Slot, err: Error): void {
  slots.splice(slots.indexOf(slot), 1);
  for (const job of slot.jobs.values()) {
    job.done?.reject(err);
    job.drained?.();
  }
  slot.jobs.clear();
  slot.worker.terminate();
}

function startWorker(): Slot {
  // smol: a small heap for a thread that only hashes.
  const worker = new Worker(WORKER_ENTRY, { smol: true });
  const slot: Slot = { worker, jobs: new Map() };
  worker.onmessage = (event: MessageEvent<{ id: number; hashed?: number; digest?: Uint8Array }>) => {
    const job = slot.jobs.get(event.data.id);
    if (!job) return;
    if (event.data.hashed !== undefined) {
      job.queued -= event.data.hashed;
      if (job.queued <= QUEUED_LIMIT && job.drained) {
        const wake = job.drained;
        job.drained = undefined;
        wake();
      }
    }
    if (event.data.digest) {
      slot.jobs.delete(event.data.id);
      job.done?.resolve(event.data.digest);
      scheduleIdleStop();
    }
  };
  worker.onerror = (event) => fail(slot, new Error(`hash worker failed: ${event.message}`));
  // The process may end while a worker idles.
  worker.unref();
  slots.push(slot);
  return slot;
}

function scheduleIdleStop(): void {
  if (slots.some((s) => s.jobs.size > 0)) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (slots.some((s) => s.jobs.size > 0)) return;
    for (const slot of slots.splice(0)) slot.worker.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

/** The worker with the fewest jobs, or a new one while some are busy and there is room. */
function pick(): Slot {
  clearTimeout(idleTimer);
  const least = slots.reduce<Slot | undefined>((best, s) => (!best || s.jobs.size < best.jobs.size ? s : best), undefined);
  if (least && (least.jobs.size === 0 || slots.length >= MAX_WORKERS)) return least;
  return startWorker();
}

/** An MD5 hasher whose work is done on a worker thread. */
export class WorkerMd5 implements Hasher {
  private readonly slot = pick();
  private readonly id = nextId++;
  private readonly job: Job = { queued: 0 };
  private finished = false;

  constructor() {
    this.slot.jobs.set(this.id, this.job);
  }

  update(chunk: Uint8Array): void {
    // A copy of just this view in a buffer of its own, handed over whole (the chunk's buffer stays
    // the caller's). Not chunk.slice(): on a Node Buffer that is a view of the same memory, and
    // handing its buffer over would empty the caller's chunk.
    const copy = new Uint8Array(chunk);
    this.job.queued += copy.length;
    this.slot.worker.postMessage({ id: this.id, chunk: copy }, [copy.buffer]);
  }

  /** Resolves once the bytes waiting on the worker are few enough; undefined when they already are. */
  drained(): Promise<void> | undefined {
    if (this.job.queued <= QUEUED_LIMIT || !this.slot.jobs.has(this.id)) return undefined;
    return new Promise((resolve) => (this.job.drained = resolve));
  }

  digest(): Promise<Uint8Array> {
    this.finished = true;
    return new Promise((resolve, reject) => {
      if (!this.slot.jobs.has(this.id)) return reject(new Error("hash worker failed"));
      this.job.done = { resolve, reject };
      this.slot.worker.postMessage({ id: this.id, end: true });
    });
  }

  /** Drops an unfinished job (the body failed). */
  close(): void {
    if (this.finished || !this.slot.jobs.delete(this.id)) return;
    this.finished = true;
    this.slot.worker.postMessage({ id: this.id, drop: true });
    scheduleIdleStop();
  }
}

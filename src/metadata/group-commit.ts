// Group commit for the SQLite store. bun:sqlite commits synchronously, so an fsync per commit would
// stall the event loop and line concurrent writers up behind each other. Writes issued in the same
// event-loop turn, or while the previous group's WAL fdatasync runs (on a worker thread, one at a
// time), share one transaction. Each write runs in its own savepoint, so one failing (a
// precondition, a missing bucket) never undoes another. Each caller's promise settles only after
// its commit is durable. The database runs with synchronous=NORMAL: this fdatasync is what makes a
// commit durable, and it happens off the event loop.
import type { Database } from "bun:sqlite";
import { closeSync, fdatasync, openSync } from "node:fs";
import { S3Error } from "../errors.ts";

interface Job {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A write lock that took this long to get was held by another process (a lock wait, counted). */
const LOCK_WAIT_MS = 0.5;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  /** Writes waiting for the next transaction. */
  private pending: Job[] = [];
  private flushScheduled = false;
  /** A WAL fdatasync is running; writes issued meanwhile wait for it to end, then commit together. */
  private syncing = false;
  /** Waiters for the sync under way (barrier), released with its writes. */
  private afterSync: Array<() => void> = [];
  private wal: number | undefined;
  /** Runs at the start of every group transaction: small bookkeeping that rides along with real writes. */
  beforeCommit: (() => void) | undefined;
  /** Group transactions that waited for the write lock (another worker process held it), and how long in all. */
  readonly lockWaits = { count: 0, seconds: 0 };
  /** Runs once a group transaction committed, before any of its writes is answered. */
  afterCommit: (() => void) | undefined;

  /** `path` is the database file (":memory:" has no WAL to sync). */
  constructor(private readonly db: Database, private readonly path: string) {}

  /** Runs `job` inside the next group transaction; resolves with its result once that is durable. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: job, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Resolves once every write committed or queued so far is durable, writing nothing itself: for an
   * answer read from the committed state (a delete that found nothing) that must not get ahead of
   * the writes it saw. At once when nothing is in flight.
   */
  barrier(): Promise<void> {
    if (this.pending.length > 0) return this.run(() => undefined).then(() => undefined, () => undefined);
    if (this.syncing) return new Promise((resolve) => this.afterSync.push(resolve));
    return Promise.resolve();
  }

  close(): void {
    if (this.wal !== undefined) closeSync(this.wal);
    this.wal = undefined;
  }

  private flush(): void {
    this.flushScheduled = false;
    // While the WAL is being synced, writes wait and go into the next transaction together: they
    // would wait for the next sync anyway, and one commit of many costs the event loop less than many.
    if (this.syncing || this.pending.length === 0) return;
    const jobs = this.pending;
    this.pending = [];
    const outcomes: Outcome[] = [];
    try {
      // The write lock first, timed: with worker processes another one may hold it (busy_timeout waits).
      const asked = performance.now();
      this.db.exec("BEGIN IMMEDIATE");
      const waited = performance.now() - asked;
      if (waited >= LOCK_WAIT_MS) {
        this.lockWaits.count++;
        this.lockWaits.seconds += waited / 1000;
      }
      try {
        this.beforeCommit?.();
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(job.run)() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
        this.db.exec("COMMIT");
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error;
      }
    } catch (error) {
      // A commit that fails leaves nothing written; a full disk is the client-visible StorageFull.
      const full = String((error as { code?: unknown })?.code ?? "").startsWith("SQLITE_FULL");
      for (const job of jobs) job.reject(full ? new S3Error("StorageFull", { cause: error }) : error);
      return;
    }
    this.afterCommit?.();
    const settle = (syncError?: unknown) => jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (syncError) job.reject(syncError);
      else if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
    // The commit is in the WAL (in the OS's hands: safe from kill -9). It is acknowledged only once
    // the WAL is on disk; the fdatasync runs on a worker thread, so the event loop keeps serving.
    let walFd: number | null;
    try {
      walFd = this.walFd();
    } catch (err) {
      return settle(err);
    }
    if (walFd === null) return settle();
    this.syncing = true;
    const synced = (err?: unknown) => {
      this.syncing = false;
      settle(err ?? undefined);
      const waiting = this.afterSync;
      this.afterSync = [];
      for (const release of waiting) release();
      this.flush();
    };
    try {
      fdatasync(walFd, synced);
    } catch (err) {
      synced(err);
    }
  }

  /** A descriptor of the WAL file, for the fdatasync that makes each group commit durable. */
  private walFd(): number | null {
    if (this.path === ":memory:") return null;
    if (this.wal === undefined) {
      try {
        this.wal = openSync(`${this.path}-wal`, "r+");
      } catch (err) {
        // No WAL file yet means nothing has been written to one.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    }
    return this.wal;
  }
}

// The append-only op log of the local metadata engine. Lines appended in the same event-loop turn, or
// while the previous group's write and fdatasync run, are written and synced together (group commit);
// each caller's promise settles only once its line is on disk. Lines go out in the order they were
// appended, one group at a time, so after a crash at most the last line of the file is torn.
// A failed write or sync leaves the file in an unknown state: the log refuses everything after it.
import { close, fdatasync, write } from "node:fs";
import { promisify } from "node:util";
import { S3Error } from "../errors.ts";

const writeAsync = promisify(write);
const syncAsync = promisify(fdatasync);
const closeAsync = promisify(close);

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Group {
  fd: number;
  lines: string[];
  waiters: Waiter[];
}

export class AppendLog {
  /** Groups not yet written, in order; the group being written is no longer here. */
  private queue: Group[] = [];
  private draining: Promise<void> | undefined;
  private scheduled = false;
  private failure: S3Error | undefined;
  /** Files rotated away, closed once their last group is written. */
  private retired = new Set<number>();
  private writingFd = -1;
  /** Lines appended to the current file. */
  lines = 0;

  constructor(private fd: number, lines = 0) {
    this.lines = lines;
  }

  /** Why the log stopped taking lines, if it did. */
  get failed(): S3Error | undefined {
    return this.failure;
  }

  /** Appends a line (no newline in it); resolves once it is durable. */
  append(line: string): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue(line, { resolve, reject }));
  }

  /** Appends a line without waiting for it: it rides along with the next group (delivery marks). */
  appendLazy(line: string): void {
    this.enqueue(line, undefined);
  }

  private enqueue(line: string, waiter: Waiter | undefined): void {
    if (this.failure) {
      waiter?.reject(this.failure);
      return;
    }
    let group = this.queue.at(-1);
    if (!group || group.fd !== this.fd) this.queue.push((group = { fd: this.fd, lines: [], waiters: [] }));
    group.lines.push(line, "\n");
    if (waiter) group.waiters.push(waiter);
    this.lines++;
    if (!this.scheduled && !this.draining) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.drain();
      });
    }
  }

  /** Resolves once every line appended so far is durable, appending none (for changes that did nothing). */
  barrier(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const last = this.queue.at(-1);
    if (last) return new Promise((resolve, reject) => last.waiters.push({ resolve, reject }));
    return this.draining ?? Promise.resolve();
  }

  /** Later lines go to `fd`; the current file is closed once what was appended to it is written. */
  rotate(fd: number): void {
    this.retired.add(this.fd);
    this.fd = fd;
    this.lines = 0;
    this.closeRetired();
  }

  /** Resolves once everything appended so far is durable (or the log failed). */
  async flush(): Promise<void> {
    while (this.draining || this.queue.length > 0) {
      if (!this.draining) this.drain();
      await this.draining;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.retired.add(this.fd);
    this.closeRetired();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = (async () => {
      for (let group = this.queue.shift(); group; group = this.queue.shift()) {
        this.writingFd = group.fd;
        try {
          const data = Buffer.from(group.lines.join(""));
          for (let at = 0; at < data.length;) at += (await writeAsync(group.fd, data, at, data.length - at)).bytesWritten;
          await syncAsync(group.fd);
        } catch (err) {
          this.fail(err, group);
          return;
        } finally {
          this.writingFd = -1;
        }
        for (const w of group.waiters) w.resolve();
        this.closeRetired();
      }
    })().finally(() => {
      this.draining = undefined;
      // Lines appended after the loop saw an empty queue, before this ran.
      if (this.queue.length > 0 && !this.failure) this.drain();
    });
  }

  private fail(err: unknown, group: Group): void {
    this.failure = new S3Error("ServiceUnavailable", {
      message: "The metadata log could not be written; the server takes no more changes until it is restarted.",
      cause: err,
    });
    for (const g of [group, ...this.queue]) for (const w of g.waiters) w.reject(this.failure);
    this.queue = [];
  }

  private closeRetired(): void {
    for (const fd of this.retired) {
      if (fd === this.writingFd || this.queue.some((g) => g.fd === fd)) continue;
      this.retired.delete(fd);
      closeAsync(fd).catch(() => {});
    }
  }
}

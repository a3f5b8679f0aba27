// Server access logs, from answer to log object: each record of a logged bucket is appended to
// <data dir>/access-logs/spool.log (one JSON line: target bucket, prefix, the formatted record) before
// its answer goes out, so a kill -9 once a request was answered cannot lose it. Every flush the lines
// past the shipped mark (spool.mark, replaced whole) become one log object per target and prefix,
// <prefix>YYYY-MM-DD-HH-MM-SS-<16 hex> in the target bucket, written through the engine as its owner;
// then the mark moves past them. At least once: a crash between an object and the mark ships those
// lines again in a later object (the same request ids; a reader dedupes by request id). A target
// bucket that is gone drops its lines (counted in the log). Each node of a cluster ships its own spool.
import { closeSync, existsSync, readdirSync, fstatSync, ftruncateSync, mkdirSync, openSync, read, readFileSync, writeSync } from "node:fs";
import { promisify } from "node:util";
import { join } from "node:path";
import { replaceFile } from "../durable-file.ts";
import { S3Error } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { BucketLogging } from "../metadata/store.ts";
import type { Engine } from "./engine.ts";
import { withRequest } from "./request-context.ts";

/** At most this much of the spool becomes log objects in one flush. */
const FLUSH_BYTES = 32 * 1024 * 1024;
/** A fully shipped spool larger than this starts again from empty. */
const ROTATE_BYTES = 16 * 1024 * 1024;

interface Line { b: string; p: string; l: string }

const readAt = promisify(read);

export class AccessLogSpool {
  private readonly fd: number;
  private readonly markPath: string;
  private shipping: Promise<number> | null = null;

  constructor(dir: string, private readonly engine: Engine, private readonly log: Logger) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.fd = openSync(join(dir, "spool.log"), "a+", 0o600);
    this.markPath = join(dir, "spool.mark");
  }

  /** Appends one record for `target` (synchronously: it is in the file before the answer leaves). */
  append(target: BucketLogging, record: string): void {
    writeSync(this.fd, `${JSON.stringify({ b: target.targetBucket, p: target.targetPrefix, l: record } satisfies Line)}\n`);
  }

  private mark(): number {
    if (!existsSync(this.markPath)) return 0;
    const n = Number(readFileSync(this.markPath, "utf8"));
    return Number.isFinite(n) && n >= 0 ? n : 0;
  }

  private setMark(offset: number): void {
    replaceFile(this.markPath, (fd) => writeSync(fd, String(offset)));
  }

  /** Ships what is past the mark; resolves with the log objects written. One flush at a time. */
  flush(now = Date.now()): Promise<number> {
    this.shipping ??= this.ship(now).finally(() => {
      this.shipping = null;
    });
    return this.shipping;
  }

  private async ship(now: number): Promise<number> {
    const size = fstatSync(this.fd).size;
    let from = this.mark();
    if (from > size) from = 0;
    if (from === size) return this.rotate(from);
    const length = Math.min(size - from, FLUSH_BYTES);
    const buffer = Buffer.alloc(length);
    // Read without holding the event loop (a flush may read megabytes); appends go on meanwhile, past it.
    for (let got = 0; got < length;) got += (await readAt(this.fd, buffer, got, length - got, from + got)).bytesRead;
    // Only whole lines: one still being written belongs to the next flush.
    const end = buffer.lastIndexOf(10) + 1;
    if (end === 0) return 0;
    const groups = new Map<string, { target: BucketLogging; lines: string[] }>();
    for (const text of buffer.subarray(0, end).toString("utf8").split("\n")) {
      if (!text) continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        continue; // torn by a crash mid-write: a record whose answer never went out
      }
      const id = `${line.b}\n${line.p}`;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { target: { targetBucket: line.b, targetPrefix: line.p }, lines: [] }));
      group.lines.push(line.l);
    }
    let objects = 0;
    for (const { target, lines } of groups.values()) {
      if (await this.write(target, lines, now)) objects++;
    }
    this.setMark(from + end);
    this.rotate(from + end);
    return objects;
  }

  /** One log object; false (lines dropped) when the target bucket is gone. */
  private async write(target: BucketLogging, lines: string[], now: number): Promise<boolean> {
    const bucket = await this.engine.metadata.getBucket(target.targetBucket);
    if (!bucket) {
      this.log.warn("access log target bucket is gone: records dropped", { bucket: target.targetBucket, records: lines.length });
      return false;
    }
    const stamp = new Date(now).toISOString().replace(/T/, "-").replace(/:/g, "-").slice(0, 19);
    const key = `${target.targetPrefix}${stamp}-${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex").toUpperCase()}`;
    const body = Buffer.from(`${lines.join("\n")}\n`);
    try {
      await withRequest({ id: `access-log-${now}`, requester: "logging", sourceIp: "" }, () => this.engine.objects.put(bucket.owner, {
        bucket: target.targetBucket, key, size: body.length, contentType: "text/plain", body: (async function* () { yield body; })(),
      }));
    } catch (err) {
      if (err instanceof S3Error && err.code === "NoSuchBucket") return false;
      throw err;
    }
    return true;
  }

  /**
   * A spool shipped to its end and grown large starts again from empty. Its size is read in the same
   * turn as the cut (appends are synchronous on this thread: none can come between). The mark goes to 0
   * first: a crash before the cut ships the old lines again (duplicates), never loses new ones.
   */
  private rotate(mark: number): number {
    const size = fstatSync(this.fd).size;
    if (mark !== size || size < ROTATE_BYTES) return 0;
    this.setMark(0);
    ftruncateSync(this.fd, 0);
    return 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Spools nobody appends to now, under `dir`: a single process's (dir itself) once worker processes
 * run (`workers` > 0), and those of workers beyond `workers` (all of them for a single process).
 * The first worker, or the single process, ships them with its own.
 */
export function unownedSpools(dir: string, workers: number): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  if (workers > 0 && existsSync(join(dir, "spool.log"))) found.push(dir);
  for (const name of readdirSync(dir)) {
    const m = /^w(\d+)$/.exec(name);
    if (m && Number(m[1]) > workers) found.push(join(dir, name));
  }
  return found;
}

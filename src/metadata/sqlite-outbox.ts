// The outbox of the SQLite engine: events appended in the same transaction as the change they
// describe, delivered afterwards in seq order. Delivery is one watermark (a single row), not a flag
// per event, so an event costs its own row and nothing more; the last EVENT_HISTORY delivered events
// are kept as history.
import type { Database, Statement } from "bun:sqlite";
import { EVENT_HISTORY, type EngineEvent, type EventType, type StoredEvent } from "./events.ts";

// seq is the rowid: appended rows go to the table's last page, and pruning only ever removes the
// oldest rows, so the newest seq (and with it the order) survives every prune.
export const OUTBOX_TABLE = `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, timestamp INTEGER NOT NULL,
    request_id TEXT NOT NULL, data TEXT NOT NULL);
  CREATE TABLE outbox_delivered (one INTEGER PRIMARY KEY CHECK (one = 1), upto INTEGER NOT NULL);
  INSERT INTO outbox_delivered VALUES (1, 0);`;

interface EventRow { seq: number; id: string; type: string; timestamp: number; request_id: string; data: string }

/** How long a delivery mark waits for a write to ride along with before it is written on its own. */
const MARK_DELAY_MS = 1000;

export class SqliteOutbox {
  private readonly q;
  /** Delivered up to here (in memory); written lazily, see markDelivered. */
  private watermark: number;
  private persisted: number;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(db: Database, private readonly write: (run: () => void) => Promise<void>) {
    this.q = {
      insert: db.query("INSERT INTO outbox (id, type, timestamp, request_id, data) VALUES (?, ?, ?, ?, ?)"),
      after: db.query("SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?") as Statement<EventRow>,
      delivered: db.query("SELECT upto FROM outbox_delivered") as Statement<{ upto: number }>,
      // Never back: another process that delivered before this one may have marked further.
      deliver: db.query("UPDATE outbox_delivered SET upto = max(upto, ?)"),
      prune: db.query("DELETE FROM outbox WHERE seq <= ?"),
    };
    this.watermark = this.persisted = this.q.delivered.get()?.upto ?? 0;
  }

  /** Inside the transaction of the change the events describe. */
  append(events: EngineEvent[] | undefined): void {
    for (const e of events ?? []) this.q.insert.run(e.id, e.type, e.timestamp, e.requestId, JSON.stringify(e.data));
  }

  private rows(afterSeq: number, limit: number): StoredEvent[] {
    return this.q.after.all(afterSeq, limit).map((r) => ({
      seq: r.seq, id: r.id, type: r.type as EventType, timestamp: r.timestamp, requestId: r.request_id,
      data: JSON.parse(r.data) as EngineEvent["data"], delivered: r.seq <= this.watermark,
    }));
  }

  /**
   * Undelivered events read before, oldest first: a drain reads only what was committed since (seq is
   * the rowid, so a new row's is above every row read), not the whole backlog again.
   */
  private ahead: StoredEvent[] = [];

  pending(limit: number): StoredEvent[] {
    // Worker processes take turns delivering: what another one marked is not delivered again.
    const marked = this.q.delivered.get()?.upto ?? 0;
    if (marked > this.watermark) this.watermark = this.persisted = marked;
    let done = 0;
    while (done < this.ahead.length && this.ahead[done]!.seq <= this.watermark) done++;
    if (done > 0) this.ahead = this.ahead.slice(done);
    if (this.ahead.length < limit) this.ahead.push(...this.rows(this.ahead.at(-1)?.seq ?? this.watermark, limit - this.ahead.length));
    return this.ahead.slice(0, limit);
  }

  list(afterSeq: number, limit: number): StoredEvent[] {
    return this.rows(afterSeq, limit);
  }

  /**
   * Delivery marks are bookkeeping, not data: they ride along with the next group transaction (or go
   * on their own after MARK_DELAY_MS), so delivering events costs no fsync of its own. A crash before a
   * mark is written means those events are delivered again: at least once, as consumers expect.
   */
  markDelivered(seq: number): void {
    if (seq <= this.watermark) return;
    this.watermark = seq;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.persisted < this.watermark) void this.write(() => this.persist()).catch(() => {});
    }, MARK_DELAY_MS);
    this.timer.unref?.();
  }

  /** Inside a transaction: writes the watermark if it moved, and prunes history beyond EVENT_HISTORY. */
  persist(): void {
    if (this.persisted >= this.watermark) return;
    this.q.deliver.run(this.watermark);
    this.q.prune.run(this.watermark - EVENT_HISTORY);
    this.persisted = this.watermark;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

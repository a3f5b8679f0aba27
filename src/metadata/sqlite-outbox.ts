// The outbox of the SQLite engine: events inserted in the same transaction as the change they
// describe, delivered afterwards in seq order, kept as history up to EVENT_HISTORY delivered events.
import type { Database, Statement } from "bun:sqlite";
import { EVENT_HISTORY, type EngineEvent, type EventType, type StoredEvent } from "./events.ts";

export const OUTBOX_TABLE = `
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type TEXT NOT NULL, timestamp INTEGER NOT NULL,
    request_id TEXT NOT NULL, data TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX outbox_pending ON outbox (seq) WHERE delivered = 0;`;

interface EventRow { seq: number; id: string; type: string; timestamp: number; request_id: string; data: string; delivered: number }

const toEvent = (r: EventRow): StoredEvent => ({
  seq: r.seq, id: r.id, type: r.type as EventType, timestamp: r.timestamp, requestId: r.request_id,
  data: JSON.parse(r.data) as EngineEvent["data"], delivered: r.delivered === 1,
});

/** How long a delivery mark waits for a write to ride along with before it is written on its own. */
const MARK_DELAY_MS = 1000;

export class SqliteOutbox {
  private readonly q;
  /** Delivered up to here (in memory); written to the table lazily, see markDelivered. */
  private watermark = 0;
  private persisted = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(db: Database, private readonly write: (run: () => void) => Promise<void>) {
    this.q = {
      insert: db.query("INSERT INTO outbox (id, type, timestamp, request_id, data) VALUES (?, ?, ?, ?, ?)"),
      pending: db.query("SELECT * FROM outbox WHERE delivered = 0 AND seq > ? ORDER BY seq LIMIT ?") as Statement<EventRow>,
      deliver: db.query("UPDATE outbox SET delivered = 1 WHERE delivered = 0 AND seq <= ?"),
      prune: db.query("DELETE FROM outbox WHERE delivered = 1 AND seq <= (SELECT max(seq) FROM outbox) - ?"),
      list: db.query("SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?") as Statement<EventRow>,
    };
  }

  /** The outbox as this process sees it: delivered is true up to the in-memory watermark. */
  list(afterSeq: number, limit: number): StoredEvent[] {
    return this.q.list.all(afterSeq, limit).map((r) => ({ ...toEvent(r), delivered: r.delivered === 1 || r.seq <= this.watermark }));
  }

  /** Inside the transaction of the change the events describe. */
  append(events: EngineEvent[] | undefined): void {
    for (const e of events ?? []) this.q.insert.run(e.id, e.type, e.timestamp, e.requestId, JSON.stringify(e.data));
  }

  pending(limit: number): StoredEvent[] {
    return this.q.pending.all(this.watermark, limit).map(toEvent);
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

  /** Inside a transaction: writes the marks made since the last one. Pruning never touches pending events. */
  persist(): void {
    if (this.persisted >= this.watermark) return;
    this.q.deliver.run(this.watermark);
    this.q.prune.run(EVENT_HISTORY);
    this.persisted = this.watermark;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

}

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

export class SqliteOutbox {
  private readonly q;

  constructor(db: Database) {
    this.q = {
      insert: db.query("INSERT INTO outbox (id, type, timestamp, request_id, data) VALUES (?, ?, ?, ?, ?)"),
      pending: db.query("SELECT * FROM outbox WHERE delivered = 0 ORDER BY seq LIMIT ?") as Statement<EventRow>,
      deliver: db.query("UPDATE outbox SET delivered = 1 WHERE delivered = 0 AND seq <= ?"),
      prune: db.query("DELETE FROM outbox WHERE delivered = 1 AND seq <= (SELECT max(seq) FROM outbox) - ?"),
      list: db.query("SELECT * FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?") as Statement<EventRow>,
    };
  }

  /** Inside the transaction of the change the events describe. */
  append(events: EngineEvent[] | undefined): void {
    for (const e of events ?? []) this.q.insert.run(e.id, e.type, e.timestamp, e.requestId, JSON.stringify(e.data));
  }

  pending(limit: number): StoredEvent[] {
    return this.q.pending.all(limit).map(toEvent);
  }

  /** Inside a transaction. History is pruned by seq distance: cheap, and never touches pending events. */
  markDelivered(seq: number): void {
    this.q.deliver.run(seq);
    this.q.prune.run(EVENT_HISTORY);
  }

  list(afterSeq: number, limit: number): StoredEvent[] {
    return this.q.list.all(afterSeq, limit).map(toEvent);
  }
}

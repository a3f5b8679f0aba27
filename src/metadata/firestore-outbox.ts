// The outbox of the firestore engine: an event is a C_pending document created in the same
// transaction as its change; delivery moves it to C_events (the history listEvents reads besides the
// pending ones), which keeps the newest EVENT_HISTORY. Positions from a SeqClock (events.ts); a
// position another node took fails the create, and FsDb.run runs the transaction again with new ones.
// Only events this process was handed by pendingEvents are moved, so one committed late is still
// delivered.
import type { Transaction } from "@google-cloud/firestore";
import { EVENT_HISTORY, SeqClock, type EngineEvent, type StoredEvent } from "./events.ts";
import { rec, seqId, type FsDb } from "./firestore-db.ts";

export class FirestoreOutbox {
  private handed = new Map<number, StoredEvent>();
  private marks = 0;
  readonly clock = new SeqClock();

  constructor(private readonly fs: FsDb) {}

  /** Adds `events` to the outbox in the transaction `tx` (after its reads). */
  write(tx: Transaction, events: EngineEvent[] | undefined): void {
    for (const e of events ?? []) {
      const seq = this.clock.next();
      tx.create(this.fs.col("pending").doc(seqId(seq)), { r: JSON.stringify({ ...e, seq }) });
    }
  }

  async pending(limit: number): Promise<StoredEvent[]> {
    const snap = await this.fs.call(() => this.fs.col("pending").orderBy(this.fs.FieldPath.documentId()).limit(limit).get());
    const events = snap.docs.map((d) => ({ ...rec<StoredEvent>(d.data())!, delivered: false }));
    for (const e of events) this.handed.set(e.seq, e);
    this.clock.advance(events.at(-1)?.seq ?? 0);
    return events;
  }

  async markDelivered(seq: number): Promise<void> {
    const moving = [...this.handed.values()].filter((e) => e.seq <= seq);
    for (let i = 0; i < moving.length; i += 200) {
      const batch = this.fs.db.batch();
      for (const e of moving.slice(i, i + 200)) {
        batch.set(this.fs.col("events").doc(seqId(e.seq)), { r: JSON.stringify({ ...e, delivered: true }) });
        batch.delete(this.fs.col("pending").doc(seqId(e.seq)));
      }
      await this.fs.call(() => batch.commit());
      for (const e of moving.slice(i, i + 200)) this.handed.delete(e.seq);
    }
    if (moving.length > 0 && ++this.marks % 64 === 0) await this.prune();
  }

  /** Counts the history, then deletes the oldest beyond what it keeps (ids ascend with seq; no descending key scan, which Firestore refuses). */
  private async prune(): Promise<void> {
    const count = (await this.fs.call(() => this.fs.col("events").count().get())).data().count;
    if (count <= EVENT_HISTORY) return;
    const old = await this.fs.call(() => this.fs.col("events").orderBy(this.fs.FieldPath.documentId()).limit(count - EVENT_HISTORY).select().get());
    for (let i = 0; i < old.docs.length; i += 400) {
      const batch = this.fs.db.batch();
      for (const d of old.docs.slice(i, i + 400)) batch.delete(d.ref);
      await this.fs.call(() => batch.commit());
    }
  }

  async list(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const page = (name: string) => this.fs.call(() => this.fs.col(name).orderBy(this.fs.FieldPath.documentId()).startAfter(seqId(afterSeq)).limit(limit).get());
    const [history, pending] = await Promise.all([page("events"), page("pending")]);
    const events = [
      ...history.docs.map((d) => ({ ...rec<StoredEvent>(d.data())!, delivered: true })),
      ...pending.docs.map((d) => ({ ...rec<StoredEvent>(d.data())!, delivered: false })),
    ].sort((a, b) => a.seq - b.seq).slice(0, limit);
    this.clock.advance(events.at(-1)?.seq ?? 0);
    return events;
  }
}

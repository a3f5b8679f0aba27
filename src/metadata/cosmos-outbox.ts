// The outbox of the cosmos engine: an event is an "ev" document created in the batch of its change
// (in that change's partition). This process remembers the events its own batches committed and
// delivers those; a cross-partition query finds, once at start-up, what a previous run (or a node
// that died) left pending. Delivery moves an event to the history container `<container>-events`,
// which keeps the newest EVENT_HISTORY. Positions from a SeqClock (events.ts).
import type { OperationInput } from "@azure/cosmos";
import { EVENT_HISTORY, SeqClock, type EngineEvent, type StoredEvent } from "./events.ts";
import { pad16, rec, type CosmosDb, type Doc } from "./cosmos-db.ts";

const HISTORY_PK = "events";

export class CosmosOutbox {
  /** Committed, not yet delivered: seq → the event and the partition its document is in. */
  private readonly pendingHere = new Map<number, { pk: string; event: StoredEvent }>();
  private recovered = false;
  private marks = 0;
  private readonly clock = new SeqClock();

  /** `keep`: how many delivered events the history holds (EVENT_HISTORY; tests set fewer). */
  constructor(private readonly db: CosmosDb, private readonly keep = EVENT_HISTORY) {
    db.afterBatch = (pk, operations) => {
      for (const op of operations) {
        const doc = (op as { resourceBody?: Doc }).resourceBody;
        if (doc?.t === "ev") this.pendingHere.set(Number(doc.seq), { pk, event: { ...JSON.parse(doc.r!), delivered: false } });
      }
    };
  }

  /** The batch operations that add `events` to the outbox in partition `pk`. */
  ops(pk: string, events: EngineEvent[] | undefined): OperationInput[] {
    return (events ?? []).map((e) => {
      const seq = this.clock.next();
      const doc: Doc = { id: `e:${pad16(seq)}`, pk, t: "ev", seq, r: JSON.stringify({ ...e, seq }) };
      return { operationType: this.db.ops.Create, resourceBody: doc } as OperationInput;
    });
  }

  async pending(limit: number): Promise<StoredEvent[]> {
    if (!this.recovered) {
      for (const d of await this.db.query("SELECT * FROM c WHERE c.t = 'ev'", {})) {
        this.pendingHere.set(Number(d.seq), { pk: d.pk, event: { ...rec<StoredEvent>(d)!, delivered: false } });
      }
      this.recovered = true;
    }
    return [...this.pendingHere.values()].map((p) => p.event).sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /** History first, then the pending document: a crash between them delivers the event again, never loses it. */
  async markDelivered(seq: number): Promise<void> {
    const moving = [...this.pendingHere.values()].filter((p) => p.event.seq <= seq);
    await Promise.all(moving.map(async ({ pk, event }) => {
      const id = `e:${pad16(event.seq)}`;
      await this.db.upsert({ id, pk: HISTORY_PK, t: "ev", seq: event.seq, r: JSON.stringify({ ...event, delivered: true }) }, this.db.history);
      await this.db.deleteAll(pk, [id]);
      this.pendingHere.delete(event.seq);
    }));
    if (moving.length > 0 && ++this.marks % 64 === 0) await this.prune();
  }

  /** Counts the history (no document read), then reads the ids of only the oldest beyond what it keeps. */
  private async prune(): Promise<void> {
    const [count = 0] = await this.db.query<number>("SELECT VALUE COUNT(1) FROM c WHERE c.t = 'ev'", {}, HISTORY_PK, this.db.history);
    if (count <= this.keep) return;
    const oldest = await this.db.query<{ id: string }>("SELECT TOP @n c.id FROM c WHERE c.t = 'ev' ORDER BY c.seq", { "@n": count - this.keep }, HISTORY_PK, this.db.history);
    await this.db.deleteAll(HISTORY_PK, oldest.map((d) => d.id), this.db.history);
  }

  async list(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const [history, pending] = await Promise.all([
      this.db.query("SELECT TOP @n * FROM c WHERE c.t = 'ev' AND c.seq > @after ORDER BY c.seq", { "@after": afterSeq, "@n": limit }, HISTORY_PK, this.db.history),
      this.db.query("SELECT TOP @n * FROM c WHERE c.t = 'ev' AND c.seq > @after ORDER BY c.seq", { "@after": afterSeq, "@n": limit }),
    ]);
    return [
      ...history.map((d) => ({ ...rec<StoredEvent>(d)!, delivered: true })),
      ...pending.map((d) => ({ ...rec<StoredEvent>(d)!, delivered: false })),
    ].sort((a, b) => a.seq - b.seq).slice(0, limit);
  }
}

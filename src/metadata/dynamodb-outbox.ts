// The outbox of the dynamodb engine. An event is a `pending` item put in the same transaction as the
// change it describes; delivery moves it to the `event` partition (history: what listEvents reads
// besides the pending ones), keeping the newest EVENT_HISTORY. Sequence numbers come from a SeqClock
// (events.ts): commit order within one node, clock order across nodes; a pending item is put only
// where its key is free, renumbered when another node took it. An event that commits after
// a later-numbered one was delivered is still pending, and still delivered: only events this process
// was handed by pendingEvents are moved.
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { EVENT_HISTORY, SeqClock, type EngineEvent, type StoredEvent } from "./events.ts";
import { key, record, renumberable, type Item, type Table, writer } from "./dynamodb-table.ts";

const PENDING = "pending";
const HISTORY = "event";
const pad = (seq: number) => String(seq).padStart(16, "0");

export class DynamoOutbox {
  /** Pending events handed out by pendingEvents and not yet marked delivered. */
  private handed = new Map<number, StoredEvent>();
  private marks = 0;
  readonly clock = new SeqClock();

  constructor(private readonly table: Table) {}

  /** The transaction items that add `events` to the outbox. */
  items(events: EngineEvent[] | undefined): TransactWriteItem[] {
    const w = writer(this.table.name);
    return (events ?? []).map((e) => renumberable(() => {
      const seq = this.clock.next();
      return w.put(PENDING, pad(seq), { ...e, seq }, { condition: "attribute_not_exists(pk)" });
    }));
  }

  async pending(limit: number): Promise<StoredEvent[]> {
    const { items } = await this.table.query(PENDING, { limit });
    const events = items.map((i) => ({ ...record<StoredEvent>(i)!, delivered: false }));
    for (const e of events) this.handed.set(e.seq, e);
    this.clock.advance(events.at(-1)?.seq ?? 0);
    return events;
  }

  async markDelivered(seq: number): Promise<void> {
    const moving = [...this.handed.values()].filter((e) => e.seq <= seq);
    if (moving.length === 0) return;
    // History first, then the pending item: a crash between them delivers the event again, never loses it.
    const w = writer(this.table.name);
    for (let i = 0; i < moving.length; i += 50) {
      const batch = moving.slice(i, i + 50);
      await this.table.transact(batch.map((e) => w.put(HISTORY, pad(e.seq), { ...e, delivered: true })));
      await this.table.deleteAll(batch.map((e) => key(PENDING, pad(e.seq))));
      for (const e of batch) this.handed.delete(e.seq);
    }
    if (++this.marks % 64 === 0) await this.prune();
  }

  /** Keeps the newest EVENT_HISTORY delivered events. */
  private async prune(): Promise<void> {
    let seen = 0;
    let start: Item | undefined;
    const old: Item[] = [];
    do {
      const page = await this.table.query(HISTORY, { backwards: true, ...(start ? { start } : {}) });
      for (const item of page.items) if (++seen > EVENT_HISTORY) old.push(key(HISTORY, item.sk!.S!));
      start = page.next;
    } while (start);
    await this.table.deleteAll(old);
  }

  async list(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const from = pad(afterSeq);
    const [history, pending] = await Promise.all([this.table.query(HISTORY, { from, limit }), this.table.query(PENDING, { from, limit })]);
    const events = [
      ...history.items.map((i) => ({ ...record<StoredEvent>(i)!, delivered: true })),
      ...pending.items.map((i) => ({ ...record<StoredEvent>(i)!, delivered: false })),
    ];
    const page = events.sort((a, b) => a.seq - b.seq).slice(0, limit);
    this.clock.advance(page.at(-1)?.seq ?? 0);
    return page;
  }
}


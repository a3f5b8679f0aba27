// The etcd engine's outbox: an event is a key under e/p/ put in the transaction of its change;
// delivery moves it to e/h/ (history, what listEvents reads besides the pending ones), keeping the
// newest EVENT_HISTORY. Sequence numbers come from a SeqClock (events.ts): commit order within a node,
// clock order across nodes, as in the other network engines, a pending key put only where it is free
// (renumbered when another node took it); only events this process was handed by
// pendingEvents are moved, so one committed out of clock order is still delivered.
import { renumberable, type EtcdClient, type Op } from "./etcd-client.ts";
import type { Keys } from "./etcd-keys.ts";
import { EVENT_HISTORY, SeqClock, type EngineEvent, type StoredEvent } from "./events.ts";

/** Events moved per transaction (two operations each; etcd allows 128 by default). */
const MOVE = 50;

export class EtcdOutbox {
  private readonly handed = new Map<number, StoredEvent>();
  private marks = 0;
  readonly clock = new SeqClock();

  constructor(private readonly etcd: EtcdClient, private readonly k: Keys) {}

  /** The operations that add `events` to the outbox. */
  ops(events: EngineEvent[] | undefined): Op[] {
    return (events ?? []).map((e) => renumberable(() => {
      const seq = this.clock.next();
      return { put: { key: this.k.pendingEvent(seq), value: JSON.stringify({ ...e, seq }) } };
    }));
  }

  async pending(limit: number): Promise<StoredEvent[]> {
    const { kvs } = await this.etcd.range(this.k.pending, { limit });
    const events = kvs.map((kv) => ({ ...(JSON.parse(kv.value) as StoredEvent), delivered: false }));
    for (const e of events) this.handed.set(e.seq, e);
    this.clock.advance(events.at(-1)?.seq ?? 0);
    return events;
  }

  async markDelivered(seq: number): Promise<void> {
    const moving = [...this.handed.values()].filter((e) => e.seq <= seq).sort((a, b) => a.seq - b.seq);
    for (let i = 0; i < moving.length; i += MOVE) {
      const batch = moving.slice(i, i + MOVE);
      await this.etcd.txn([], batch.flatMap((e): Op[] => [
        { put: { key: this.k.historyEvent(e.seq), value: JSON.stringify({ ...e, delivered: true }) } },
        { del: { key: this.k.pendingEvent(e.seq) } },
      ]));
      for (const e of batch) this.handed.delete(e.seq);
    }
    if (moving.length > 0 && ++this.marks % 64 === 0) await this.prune();
  }

  /** Keeps the newest EVENT_HISTORY delivered events. */
  private async prune(): Promise<void> {
    const all: string[] = [];
    for await (const kv of this.etcd.all(this.k.history, true)) all.push(kv.key);
    const old = all.slice(0, Math.max(0, all.length - EVENT_HISTORY));
    for (let i = 0; i < old.length; i += 100) await this.etcd.txn([], old.slice(i, i + 100).map((key) => ({ del: { key } })));
  }

  async list(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const [history, pending] = await Promise.all([
      this.etcd.range(this.k.history, { from: this.k.historyEvent(afterSeq), after: true, limit }),
      this.etcd.range(this.k.pending, { from: this.k.pendingEvent(afterSeq), after: true, limit }),
    ]);
    const events = [
      ...history.kvs.map((kv) => ({ ...(JSON.parse(kv.value) as StoredEvent), delivered: true })),
      ...pending.kvs.map((kv) => ({ ...(JSON.parse(kv.value) as StoredEvent), delivered: false })),
    ];
    const page = events.sort((a, b) => a.seq - b.seq).slice(0, limit);
    this.clock.advance(page.at(-1)?.seq ?? 0);
    return page;
  }
}

// The outbox of the in-memory engine: events appended with the change they describe (the memory
// engine's changes are synchronous, so appending in the same call is atomic with them).
import { EVENT_HISTORY, type EngineEvent, type StoredEvent } from "./events.ts";

export class MemoryOutbox {
  private events: StoredEvent[] = [];
  private seq = 0;

  /** `shared`: whether appended events may still be held by the caller (not so at replay). */
  constructor(private readonly shared: () => boolean = () => true) {}

  append(events: EngineEvent[] | undefined): void {
    const shared = events && this.shared();
    for (const e of events ?? []) this.events.push({ ...(shared ? structuredClone(e) : e), seq: ++this.seq, delivered: false });
  }

  pending(limit: number): StoredEvent[] {
    return this.events.filter((e) => !e.delivered).slice(0, limit).map((e) => structuredClone(e));
  }

  markDelivered(seq: number): void {
    for (const e of this.events) if (e.seq <= seq) e.delivered = true;
    const delivered = this.events.filter((e) => e.delivered).length;
    if (delivered > EVENT_HISTORY) {
      let drop = delivered - EVENT_HISTORY;
      this.events = this.events.filter((e) => !(e.delivered && drop-- > 0));
    }
  }

  list(afterSeq: number, limit: number): StoredEvent[] {
    return this.events.filter((e) => e.seq > afterSeq).slice(0, limit).map((e) => structuredClone(e));
  }

  /** The outbox as it is now (copies: delivery marks change events in place), and the last seq given. */
  capture(): { events: StoredEvent[]; seq: number } {
    return { events: this.events.map((e) => ({ ...e })), seq: this.seq };
  }

  /** Loads an event of a captured outbox, in seq order; `seq` never goes back. */
  load(event: StoredEvent | undefined, seq = 0): void {
    if (event) this.events.push(event);
    this.seq = Math.max(this.seq, seq, event?.seq ?? 0);
  }
}

// The outlet between the metadata engine's outbox and the queue targets. Each target is a lane: it
// publishes the messages its events make, in commit order, and remembers which events its broker
// confirmed; an event is done (and the dispatcher marks it delivered) once every lane confirmed it, or
// once it was moved to the dead-letter store because more than `maxPending` events wait. A lane whose
// broker fails stops at that event (order per bucket is kept) and tries again after a jittered backoff
// that doubles up to a cap; the other lanes go on.
import type { StoredEvent } from "../metadata/events.ts";
import type { EventOutlet } from "../core/events.ts";
import type { DeadLetters } from "./dead-letter.ts";
import type { OutMessage, QueueTarget } from "./target.ts";

/** Messages per publish call: a broker round trip is shared by this many. */
const CHUNK = 500;
const MAX_BACKOFF_MS = 5_000;

/** What a lane sends for each event: none, one, or several messages (one per matching rule). */
export type Route = (event: StoredEvent) => OutMessage[] | Promise<OutMessage[]>;

export interface LaneStats {
  id: string;
  kind: string;
  where: string;
  connected: boolean;
  /** Messages the broker confirmed. */
  published: number;
  /** Publish attempts that failed. */
  failed: number;
  /** Events of the last pass this lane has not confirmed. */
  pending: number;
  deadLetter: number;
  lastError: string;
  /** Commit-to-confirmation times (ms) of recent events, for the lag percentiles. */
  latencies: number[];
}

const RECENT = 1024;

class Lane {
  readonly confirmed = new Set<string>();
  /** Confirmed everything pending at its last pass (which saw all of it): new events may go straight on. */
  caughtUp = false;
  readonly stats: LaneStats;
  private backoffMs = 0;
  private nextTryAt = 0;
  /** Failed passes in a row: at maxRetries the target counts as down (/health; sync mode refuses writes). */
  private failuresInRow = 0;

  constructor(readonly id: string, readonly target: QueueTarget, readonly route: Route, private readonly baseDelayMs: number, private readonly maxRetries: number) {
    this.stats = {
      id, kind: target.kind, where: target.where, connected: false, published: 0, failed: 0, pending: 0, deadLetter: 0, lastError: "", latencies: [],
    };
  }

  ready(now: number): boolean {
    return now >= this.nextTryAt;
  }

  msUntilReady(now: number): number {
    return Math.max(0, this.nextTryAt - now);
  }

  /** Publishes what this lane has not confirmed of `events`, in order, stopping at the first failure. */
  async pass(events: StoredEvent[], complete: boolean): Promise<void> {
    let batch: OutMessage[] = [];
    let ids: StoredEvent[] = [];
    const send = async () => {
      if (ids.length === 0) return;
      await this.target.publish(batch);
      const now = Date.now();
      this.stats.published += batch.length;
      for (const e of ids) {
        this.confirmed.add(e.id);
        this.stats.latencies.push(now - e.timestamp);
      }
      if (this.stats.latencies.length > RECENT) this.stats.latencies.splice(0, this.stats.latencies.length - RECENT);
      batch = [];
      ids = [];
    };
    try {
      for (const event of events) {
        if (this.confirmed.has(event.id)) continue;
        const messages = await this.route(event);
        if (messages.length === 0) {
          // Nothing for this target: confirmed without a round trip, unless it must wait behind a failure.
          if (ids.length === 0) this.confirmed.add(event.id);
          else ids.push(event);
          continue;
        }
        batch.push(...messages);
        ids.push(event);
        if (batch.length >= CHUNK) await send();
      }
      await send();
      this.backoffMs = 0;
      this.nextTryAt = 0;
      this.failuresInRow = 0;
      this.stats.connected = true;
      this.caughtUp = complete;
    } catch (err) {
      this.stats.failed += 1;
      this.failuresInRow += 1;
      this.caughtUp = false;
      if (this.failuresInRow >= this.maxRetries) this.stats.connected = false;
      this.stats.lastError = `${this.id}: ${String((err as Error)?.message ?? err).split("\n")[0]}`;
      this.backoffMs = this.backoffMs === 0 ? this.baseDelayMs : Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      // Jitter: nodes (and lanes) that failed together do not all come back at the same moment.
      this.nextTryAt = Date.now() + this.backoffMs * (0.5 + Math.random() / 2);
    }
    if (complete) this.stats.pending = events.reduce((n, e) => n + (this.confirmed.has(e.id) ? 0 : 1), 0);
  }
}

export interface LaneConfig {
  id: string;
  target: QueueTarget;
  route: Route;
}

export class QueueDelivery implements EventOutlet {
  private readonly lanes: Lane[];
  readonly bound: number;
  private error = "";

  constructor(lanes: LaneConfig[], private readonly deadLetters: DeadLetters, private readonly maxPending: number, retryDelayMs: number, maxRetries: number) {
    this.lanes = lanes.map((l) => new Lane(l.id, l.target, l.route, retryDelayMs, maxRetries));
    this.bound = maxPending;
  }

  /** Connects every target; resolves with the ones that failed (id → reason), without throwing. */
  async connect(): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    await Promise.all(this.lanes.map(async (lane) => {
      try {
        await lane.target.connect();
        lane.stats.connected = true;
      } catch (err) {
        lane.stats.lastError = String((err as Error)?.message ?? err).split("\n")[0]!;
        failed.set(lane.id, lane.stats.lastError);
      }
    }));
    return failed;
  }

  async deliver(events: StoredEvent[], complete: boolean): Promise<number> {
    const now = Date.now();
    await Promise.all(this.lanes.filter((l) => l.ready(now)).map((l) => l.pass(events, complete)));
    for (const lane of this.lanes) if (!lane.ready(now) && complete) lane.stats.pending = events.reduce((n, e) => n + (lane.confirmed.has(e.id) ? 0 : 1), 0);
    let done = 0;
    while (done < events.length && this.lanes.every((l) => l.confirmed.has(events[done]!.id))) done++;
    const errors = this.lanes.map((l) => (l.confirmed.size === 0 || done < events.length ? l.stats.lastError : "")).filter(Boolean);
    this.error = errors.join("; ");
    // Bounded: beyond maxPending waiting events, the oldest go to the dead-letter store (never dropped).
    const over = events.length - this.maxPending;
    if (over > done) {
      const dead = events.slice(done, over);
      const missing = dead.map((e) => this.lanes.filter((l) => !l.confirmed.has(e.id)).map((l) => l.id));
      await this.deadLetters.add(dead, missing);
      for (const lane of this.lanes) lane.stats.deadLetter += missing.filter((m) => m.includes(lane.id)).length;
      done = over;
    }
    for (const e of events.slice(0, done)) for (const lane of this.lanes) lane.confirmed.delete(e.id);
    return done;
  }

  incremental(): boolean {
    const now = Date.now();
    return this.lanes.some((l) => !l.ready(now)) && this.lanes.every((l) => !l.ready(now) || l.caughtUp);
  }

  async deliverNew(events: StoredEvent[]): Promise<void> {
    const now = Date.now();
    await Promise.all(this.lanes.filter((l) => l.ready(now) && l.caughtUp).map((l) => l.pass(events, true)));
  }

  retryInMs(): number {
    const now = Date.now();
    const waits = this.lanes.map((l) => l.msUntilReady(now)).filter((ms) => ms > 0);
    return waits.length > 0 ? Math.min(...waits) : 100;
  }

  lastError(): string {
    return this.error || "the queue did not confirm";
  }

  /** Whether every target is connected (sync mode refuses writes otherwise). */
  healthy(): boolean {
    return this.lanes.every((l) => l.stats.connected);
  }

  stats(): LaneStats[] {
    return this.lanes.map((l) => l.stats);
  }

  deadLetterCount(): number {
    return this.deadLetters.count;
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.target.close().catch(() => undefined)));
  }
}

/** What the HTTP edge knows of the queue layer: its delivery, and the mode writes wait in. */
export interface QueueRuntime {
  delivery: QueueDelivery;
  /** The family's queue backend ("" when only notification targets are configured). */
  backend: string;
  consistency: "write-through" | "sync" | "async";
  syncTimeoutMs: number;
}

/** The family's /health block (SPEC §12) with each target beside it. */
/** The queue's state for /health, the admin API and the console: its health and its targets' lanes. */
export interface QueueState {
  health: ReturnType<typeof queueHealth>;
  lanes: LaneStats[];
}

export function queueHealth(q: QueueRuntime) {
  const targets = q.delivery.stats();
  const pending = targets.reduce((n, t) => Math.max(n, t.pending), 0);
  return {
    backend: q.backend,
    consistency: q.consistency,
    connected: q.delivery.healthy(),
    pending_tasks: pending,
    dead_letter_count: q.delivery.deadLetterCount(),
    targets: targets.map((t) => ({
      id: t.id, kind: t.kind, where: t.where, connected: t.connected, pending: t.pending, dead_letter: t.deadLetter,
      published: t.published, failed: t.failed, ...(t.lastError && !t.connected ? { error: t.lastError } : {}),
    })),
  };
}

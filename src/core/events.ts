// Engine events on this side of the outbox: building them (with the current request's id) and the
// in-process dispatcher that drains the metadata engine's outbox to subscribers after each commit and
// once at start-up (events committed before a kill -9 and not yet delivered go out then).
import type { Logger } from "../log.ts";
import type { EngineEvent, EventType, StoredEvent } from "../metadata/events.ts";
import type { MetadataStore, ObjectRecord } from "../metadata/store.ts";
import { currentRequest } from "./request-context.ts";

/**
 * An event of the request being served. Object events also name who made them and from where (S3's
 * event records carry both; the family envelope leaves them out).
 */
export function newEvent(type: EventType, data: EngineEvent["data"]): EngineEvent {
  const request = currentRequest();
  const who: Record<string, string> = type.startsWith("object.") ? { requester: request.requester, sourceIp: request.sourceIp } : {};
  return { id: crypto.randomUUID(), type, timestamp: Date.now(), requestId: request.id, data: { ...data, ...who } };
}

/** object.created for a new version, naming the S3 operation that made it (its S3 event name). */
export function objectCreated(r: ObjectRecord, how: "Put" | "Post" | "Copy" | "CompleteMultipartUpload"): EngineEvent {
  return newEvent("object.created", {
    bucket: r.bucket, key: r.key, versionId: r.versionId, size: r.size, etag: r.etag, contentType: r.contentType,
    eventName: `s3:ObjectCreated:${how}`,
  });
}

/** object.deleted for a version removed or hidden behind a delete marker. */
export function objectDeleted(bucket: string, key: string, versionId: string | undefined, deleteMarker: boolean): EngineEvent {
  return newEvent("object.deleted", {
    bucket, key, ...(versionId !== undefined ? { versionId } : {}), deleteMarker,
    eventName: deleteMarker ? "s3:ObjectRemoved:DeleteMarkerCreated" : "s3:ObjectRemoved:Delete",
  });
}

export type EventSubscriber = (event: StoredEvent) => void;

/**
 * Where events go beyond this process (a queue, bucket notifications): the dispatcher marks events
 * delivered only once the outlet says they are done, so an outlet that is down holds them in the outbox.
 */
export interface EventOutlet {
  /**
   * Hands the pending events (oldest first) on; resolves with how many of them, from the first, are
   * done: confirmed by every target they go to, or moved to the dead-letter store.
   */
  deliver(events: StoredEvent[], complete: boolean): Promise<number>;
  /**
   * True while a target waits out its backoff and every other one has confirmed all it was given:
   * then only events committed since are handed on (deliverNew), and the backlog is not re-read.
   */
  incremental(): boolean;
  /** Newly committed events (oldest first) for the targets that are up and caught up. */
  deliverNew(events: StoredEvent[]): Promise<void>;
  /** After a pass without progress: ms until trying again is worth it. */
  retryInMs(): number;
  /** How many events may wait; beyond it the outlet moves the oldest to its dead-letter store. */
  readonly bound: number;
  /** Why the last delivery failed, for a write waiting in sync mode. */
  lastError(): string;
}

const BATCH = 500;

interface Waiter {
  requestId: string;
  /** Settled only by a read of the outbox begun after this one (the write it waits for had committed). */
  afterRead: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class EventDispatcher {
  private readonly subscribers: EventSubscriber[] = [];
  private running: Promise<void> | null = null;
  private requested = false;
  private outlet: EventOutlet | null = null;
  /** Events handed to subscribers and not yet marked delivered (id → request): each reaches them once per process. */
  private readonly announced = new Map<string, string>();
  /** Of those, how many each request made (a write in sync mode waits until its count is gone). */
  private readonly byRequest = new Map<string, number>();
  /** The highest outbox position handed to subscribers; -1 until the first read. */
  private seen = -1;
  private reads = 0;
  private waiters: Waiter[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly metadata: MetadataStore, private readonly log: Logger) {}

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /**
   * Events are marked delivered only once `outlet` is done with them (one outlet). `lingerMs`: how long
   * a drain waits for more commits to publish with the first (writes that wait for delivery: 0).
   */
  attach(outlet: EventOutlet, lingerMs = 0): void {
    this.outlet = outlet;
    this.lingerMs = lingerMs;
  }
  private lingerMs = 0;

  /**
   * Cluster mode: the outbox is shared, and only the node `leads` says runs delivery drains it (the
   * others leave their events to it; a node that takes over finds them pending).
   */
  gate(leads: () => Promise<boolean>): void {
    this.leads = leads;
  }
  private leads: (() => Promise<boolean>) | undefined;

  /**
   * Delivers whatever is pending, soon: the kicks of one event-loop turn (every commit of a group)
   * make one drain, and kicks during a drain make one more after it.
   */
  kick(): void {
    this.requested = true;
    if (this.running) return;
    this.running = (async () => {
      // With a queue attached, a few milliseconds' linger gathers the commits of a busy moment into one
      // publish (one broker round trip); without one, the next turn of the event loop is enough.
      await new Promise((resolve) => (this.lingerMs > 0 ? setTimeout(resolve, this.lingerMs) : setImmediate(resolve)));
      while (this.requested) {
        this.requested = false;
        await this.drain();
      }
    })().finally(() => {
      this.running = null;
    });
  }

  /** Drains until nothing is pending, or the outlet is stuck (start-up, and tests waiting for delivery). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.drain();
  }

  /**
   * Resolves once every event request `requestId` committed so far is done (the outlet confirmed it);
   * rejects when the outlet cannot deliver them now, or after `timeoutMs`. Without an outlet, at once.
   */
  settled(requestId: string, timeoutMs: number): Promise<void> {
    if (!this.outlet) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no confirmation within ${timeoutMs} ms`)), timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (err) reject(err);
        else resolve();
      };
      const waiter: Waiter = { requestId, afterRead: this.reads, resolve: () => done(), reject: done };
      this.waiters.push(waiter);
      this.kick();
    });
  }

  /**
   * Tells waiting writes where their events stand after a read of the pending events (`complete`: it
   * saw all of them) and a delivery attempt (`stuck`: the outlet could deliver none).
   */
  private settle(read: number, complete: boolean, stuck: boolean): void {
    for (const w of [...this.waiters]) {
      if (w.afterRead >= read) continue;
      if (this.byRequest.has(w.requestId)) {
        if (stuck) w.reject(new Error(this.outlet?.lastError() || "the queue did not confirm"));
      } else if (complete) {
        w.resolve();
      }
    }
  }

  /** Hands events to subscribers once each; returns the ones newly handed on. */
  private announce(events: StoredEvent[]): StoredEvent[] {
    const fresh: StoredEvent[] = [];
    for (const event of events) {
      this.seen = Math.max(this.seen, event.seq);
      if (this.announced.has(event.id) || event.delivered) continue;
      fresh.push(event);
      this.announced.set(event.id, event.requestId);
      this.byRequest.set(event.requestId, (this.byRequest.get(event.requestId) ?? 0) + 1);
      for (const subscriber of this.subscribers) {
        try {
          subscriber(event);
        } catch (err) {
          this.log.error("event subscriber failed", { type: event.type, id: event.id, err });
        }
      }
    }
    return fresh;
  }

  private delivered(events: StoredEvent[]): void {
    for (const event of events) {
      const requestId = this.announced.get(event.id);
      if (requestId === undefined) continue;
      this.announced.delete(event.id);
      const left = (this.byRequest.get(requestId) ?? 1) - 1;
      if (left > 0) this.byRequest.set(requestId, left);
      else this.byRequest.delete(requestId);
    }
  }

  private scheduleRetry(ms: number): void {
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.kick();
    }, ms);
    this.retry.unref?.();
  }

  /**
   * While a target waits out its backoff (and the others are caught up), only what was committed since
   * the last look is read, handed to subscribers and to the targets that are up: a backlog held for
   * the one that is down is not re-read on every commit. False when a full drain is needed instead.
   */
  private async incremental(): Promise<boolean> {
    const outlet = this.outlet;
    if (!outlet || this.seen < 0 || !outlet.incremental()) return false;
    const fresh: StoredEvent[] = [];
    for (;;) {
      const events = await this.metadata.listEvents(this.seen, BATCH);
      fresh.push(...this.announce(events));
      if (events.length < BATCH) break;
    }
    // Beyond the bound, the oldest go to dead letters: that takes the full drain.
    if (this.announced.size > outlet.bound) return false;
    if (fresh.length > 0) await outlet.deliverNew(fresh);
    for (const w of [...this.waiters]) {
      if (this.byRequest.has(w.requestId)) w.reject(new Error(outlet.lastError()));
    }
    this.scheduleRetry(outlet.retryInMs());
    return true;
  }

  private async drain(): Promise<void> {
    try {
      if (this.leads && !(await this.leads())) return;
      if (await this.incremental()) return;
      let window = BATCH;
      for (;;) {
        const read = ++this.reads;
        const pending = await this.metadata.pendingEvents(window);
        this.announce(pending);
        const complete = pending.length < window;
        const done = this.outlet && pending.length > 0 ? await this.outlet.deliver(pending, complete) : pending.length;
        if (done > 0) {
          await this.metadata.markDelivered(pending[done - 1]!.seq);
          this.delivered(pending.slice(0, done));
        }
        // Stuck: nothing went out, and a wider read would not let the outlet move any to dead letters.
        const bound = this.outlet ? this.outlet.bound + BATCH : 0;
        const stuck = done === 0 && pending.length > 0 && (complete || window >= bound);
        this.settle(read, complete, stuck);
        if (done === pending.length) {
          if (complete) return;
          window = BATCH;
        } else if (done === 0) {
          // A target is down. Read as far as the outlet's bound (and a batch beyond), so it can move
          // what is beyond it to the dead-letter store; then try again later.
          if (!complete && window < bound) {
            window = bound;
            continue;
          }
          this.scheduleRetry(this.outlet!.retryInMs());
          return;
        }
      }
    } catch (err) {
      // Left pending: delivered by the next drain (or at the next start).
      this.log.error("event delivery failed", { err });
      for (const w of [...this.waiters]) w.reject(err instanceof Error ? err : new Error(String(err)));
      this.scheduleRetry(1000);
    }
  }
}

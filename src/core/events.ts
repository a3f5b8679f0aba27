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
export function objectCreated(r: ObjectRecord, how: "Put" | "Copy" | "CompleteMultipartUpload"): EngineEvent {
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
  deliver(events: StoredEvent[]): Promise<number>;
  /** After a pass without progress: ms until trying again is worth it. */
  retryInMs(): number;
  /** How many pending events it must see at once to decide about dead letters (its bound + 1). */
  readonly window: number;
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
  /** Ids handed to subscribers and not yet marked delivered: each event reaches them once per process. */
  private readonly announced = new Set<string>();
  private reads = 0;
  private waiters: Waiter[] = [];
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly metadata: MetadataStore, private readonly log: Logger) {}

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Events are marked delivered only once `outlet` is done with them (one outlet). */
  attach(outlet: EventOutlet): void {
    this.outlet = outlet;
  }

  /**
   * Delivers whatever is pending, soon: the kicks of one event-loop turn (every commit of a group)
   * make one drain, and kicks during a drain make one more after it.
   */
  kick(): void {
    this.requested = true;
    if (this.running) return;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.running = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
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

  /** Tells waiting writes where their events stand after a read and a delivery attempt. */
  private settle(read: number, left: StoredEvent[], complete: boolean, stuck: boolean): void {
    if (this.waiters.length === 0) return;
    const waiting = new Set(left.map((e) => e.requestId));
    for (const w of [...this.waiters]) {
      if (w.afterRead >= read) continue;
      if (waiting.has(w.requestId)) {
        if (stuck) w.reject(new Error(this.outlet?.lastError() || "the queue did not confirm"));
      } else if (complete) {
        w.resolve();
      }
    }
  }

  private announce(events: StoredEvent[]): void {
    for (const event of events) {
      if (this.announced.has(event.id)) continue;
      this.announced.add(event.id);
      for (const subscriber of this.subscribers) {
        try {
          subscriber(event);
        } catch (err) {
          this.log.error("event subscriber failed", { type: event.type, id: event.id, err });
        }
      }
    }
  }

  private scheduleRetry(ms: number): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.kick(), ms);
    this.retry.unref?.();
  }

  private async drain(): Promise<void> {
    try {
      let window = BATCH;
      for (;;) {
        const read = ++this.reads;
        const pending = await this.metadata.pendingEvents(window);
        this.announce(pending);
        const done = this.outlet && pending.length > 0 ? await this.outlet.deliver(pending) : pending.length;
        if (done > 0) {
          await this.metadata.markDelivered(pending[done - 1]!.seq);
          for (const event of pending.slice(0, done)) this.announced.delete(event.id);
        }
        const complete = pending.length < window;
        const stuck = done === 0 && pending.length > 0 && !(complete === false && window < (this.outlet?.window ?? 0));
        this.settle(read, pending.slice(done), complete, stuck);
        if (done === pending.length) {
          if (complete) return;
          window = BATCH;
        } else if (done === 0) {
          // A target is down. Read as far as the outlet's bound, so it can move what is beyond it to the
          // dead-letter store and the targets that are up can go on; then try again later.
          if (!complete && window < this.outlet!.window) {
            window = this.outlet!.window;
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

// Engine events on this side of the outbox: building them (with the current request's id) and the
// in-process dispatcher that drains the metadata engine's outbox to subscribers after each commit and
// once at start-up (events committed before a kill -9 and not yet delivered go out then).
import type { Logger } from "../log.ts";
import type { EngineEvent, EventType, StoredEvent } from "../metadata/events.ts";
import type { MetadataStore, ObjectRecord } from "../metadata/store.ts";
import { currentRequestId } from "./request-context.ts";

export function newEvent(type: EventType, data: EngineEvent["data"]): EngineEvent {
  return { id: crypto.randomUUID(), type, timestamp: Date.now(), requestId: currentRequestId(), data };
}

/** object.created for a new version, naming the S3 operation that made it (its S3 event name). */
export function objectCreated(r: ObjectRecord, how: "Put" | "Copy" | "CompleteMultipartUpload"): EngineEvent {
  return newEvent("object.created", {
    bucket: r.bucket, key: r.key, versionId: r.versionId, size: r.size, etag: r.etag, eventName: `s3:ObjectCreated:${how}`,
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

const BATCH = 500;

export class EventDispatcher {
  private readonly subscribers: EventSubscriber[] = [];
  private running: Promise<void> | null = null;
  private requested = false;

  constructor(private readonly metadata: MetadataStore, private readonly log: Logger) {}

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /**
   * Delivers whatever is pending, soon: the kicks of one event-loop turn (every commit of a group)
   * make one drain, and kicks during a drain make one more after it.
   */
  kick(): void {
    this.requested = true;
    if (this.running) return;
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

  /** Drains until nothing is pending (start-up, and tests waiting for delivery). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const pending = await this.metadata.pendingEvents(BATCH);
        if (pending.length === 0) return;
        for (const event of pending) {
          for (const subscriber of this.subscribers) {
            try {
              subscriber(event);
            } catch (err) {
              this.log.error("event subscriber failed", { type: event.type, id: event.id, err });
            }
          }
        }
        await this.metadata.markDelivered(pending.at(-1)!.seq);
        if (pending.length < BATCH) return;
      }
    } catch (err) {
      // Left pending: delivered by the next drain (or at the next start).
      this.log.error("event delivery failed", { err });
    }
  }
}

// Engine events: what each committed change tells the rest of the system (metrics, caches, and later
// queues and cluster nodes). Written by the metadata engine in the same atomic step as the change it
// describes (an outbox), so a kill -9 can neither lose one nor invent one; delivered afterwards by the
// engine's dispatcher (core/events.ts), at least once, each with a unique id for idempotent consumers.

/** The family's event types (SPEC §12), and ours beside them. */
export const EVENT_TYPES = [
  "bucket.created", "bucket.deleted", "bucket.acl.updated", "bucket.versioning.updated", "bucket.tagging.updated",
  "bucket.cors.updated", "bucket.encryption.updated", "bucket.object-lock.updated", "bucket.notification.updated", "bucket.policy.updated",
  "bucket.public-access-block.updated", "bucket.ownership.updated", "bucket.lifecycle.updated", "bucket.logging.updated",
  "object.retention.updated", "object.legal-hold.updated", "object.created", "object.deleted", "object.acl.updated",
  "object.tagging.updated", "multipart.created", "multipart.completed", "multipart.aborted", "part.uploaded",
  "credential.created", "credential.deleted", "credential.updated",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EngineEvent {
  /** Unique; the consumer's idempotency key. */
  id: string;
  type: EventType;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** The request that made the change ("" for changes made outside a request). */
  requestId: string;
  data: Record<string, string | number | boolean>;
}

/** An event as the outbox holds it: its position in commit order, and whether it was delivered. */
export interface StoredEvent extends EngineEvent {
  seq: number;
  delivered: boolean;
}

/** How many delivered events an engine keeps as history (newest); older ones are pruned. */
export const EVENT_HISTORY = 10_000;

/**
 * Outbox positions for engines without a transaction-wide counter (dynamodb, firestore, etcd, cosmos):
 * microseconds of the clock, never repeated by one clock, so commit order within a node and clock order
 * across nodes. Two nodes' clocks can hand out the same number: those engines write an event only where
 * its position is free and take the clock's next number when it is not (one per outbox, so two stores in
 * one process behave as two nodes). Each clock starts at its own offset within the millisecond, which
 * makes such a collision rare.
 */
export class SeqClock {
  private last = 0;
  private readonly offset = Math.floor(Math.random() * 1000);

  next(): number {
    this.last = Math.max(Date.now() * 1000 + this.offset, this.last + 1);
    return this.last;
  }

  /** Never hands out `seq` or below again (positions another node wrote, seen in the outbox). */
  advance(seq: number): void {
    if (seq > this.last) this.last = seq;
  }
}

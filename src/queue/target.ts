// One interface for every place events go (Redis Streams, RabbitMQ, NATS JetStream, Kafka, a webhook):
// connect, publish a batch the broker confirmed, say whether it is connected, close (targets.ts makes them).
import type { QueueBackend } from "../config.ts";

/** One message as a target sends it. */
export interface OutMessage {
  /** The event's id: the consumer's idempotency key (a header, message id or field where the broker has one). */
  id: string;
  /** What the broker routes by: the event type (object.created) or the S3 event name. */
  type: string;
  /** The bucket: Kafka's message key (order per bucket), "" for events of no bucket. */
  bucket: string;
  /** JSON. */
  body: string;
}

export interface QueueTarget {
  readonly kind: QueueBackend;
  /** Where it delivers, for logs and /health (never a password). */
  readonly where: string;
  connect(): Promise<void>;
  /**
   * Sends `messages` in order and resolves once the broker confirmed every one (a webhook: answered 2xx);
   * rejects if any was not confirmed (those before it may have been: delivery is at least once).
   */
  publish(messages: OutMessage[]): Promise<void>;
  connected(): boolean;
  close(): Promise<void>;
}

/** What a target is told besides its URL: the per-kind names and options. */
export interface TargetOptions {
  kind: QueueBackend;
  url: string;
  /** Stream prefix (redis), exchange (rabbitmq), subject prefix (nats), topic prefix (kafka). */
  name: string;
  /** webhook: the HMAC key of the signature header. */
  secret?: string;
  timeoutMs?: number;
  redis?: { consumerGroup: string; maxLen: number };
  rabbitmq?: { exchangeType: string; queuePrefix: string; durable: boolean };
  nats?: { stream: string };
  kafka?: { brokers: string[]; clientId: string; acks: string; partitions: number; replicationFactor: number };
}

/** A URL with its password masked, for logs and /health. */
export function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, "//***@");
  }
}

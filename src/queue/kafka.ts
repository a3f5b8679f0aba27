// Kafka with @platformatic/kafka (maintained, pure TypeScript; KafkaJS has had no release since 2023):
// a topic per event type (<prefix>.object.created; characters Kafka does not allow in a topic name,
// like the ":" of S3 event names, become "."), the bucket as message key so one bucket's events stay
// in one partition in commit order, an idempotent producer with acks=all by default. No Kafka broker
// can be installed on the machines this is tested on: kafkaProducerOptions and kafkaMessages are
// tested, a real broker is not (README says so).
import type { MessageToProduce, Producer } from "@platformatic/kafka";
import { EVENT_TYPES } from "../metadata/events.ts";
import { type OutMessage, type QueueTarget, type TargetOptions } from "./target.ts";

export const kafkaTopic = (prefix: string, type: string) => `${prefix}.${type}`.replace(/[^A-Za-z0-9._-]/g, ".");

/** The producer's options: idempotent (no duplicates from its own retries), acks as configured. */
export function kafkaProducerOptions(options: TargetOptions) {
  const k = options.kafka ?? { brokers: options.url.split(","), clientId: "bleepstore", acks: "all", partitions: 3, replicationFactor: 1 };
  const acks = k.acks === "all" ? -1 : Number(k.acks);
  return {
    clientId: k.clientId,
    bootstrapBrokers: k.brokers,
    // An idempotent producer needs acks=all; with fewer acks it cannot be one.
    idempotent: acks === -1,
    acks,
    autocreateTopics: true,
    timeout: options.timeoutMs ?? 5000,
    retries: 3,
  };
}

/** The records for a batch: topic per type, key = bucket, the event id and type as headers. */
export function kafkaMessages(prefix: string, messages: OutMessage[]): MessageToProduce<string, string, string, string>[] {
  return messages.map((m) => ({
    topic: kafkaTopic(prefix, m.type),
    key: m.bucket,
    value: m.body,
    headers: new Map([["id", m.id], ["type", m.type]]),
  }));
}

export class KafkaTarget implements QueueTarget {
  readonly kind = "kafka" as const;
  readonly where: string;
  private producer: Producer<string, string, string, string> | null = null;
  private up = false;

  constructor(private readonly options: TargetOptions) {
    this.where = `${(options.kafka?.brokers ?? [options.url]).join(",")} topics ${options.name}.*`;
  }

  async connect(): Promise<void> {
    if (this.producer) return;
    const { Producer, stringSerializers } = await import("@platformatic/kafka");
    this.producer = new Producer({ ...kafkaProducerOptions(this.options), serializers: stringSerializers });
    await this.createTopics();
    this.up = true;
  }

  /** The family's topics, with the configured partitions and replication (those that exist are kept). */
  private async createTopics(): Promise<void> {
    const { Admin } = await import("@platformatic/kafka");
    const o = kafkaProducerOptions(this.options);
    const admin = new Admin({ clientId: o.clientId, bootstrapBrokers: o.bootstrapBrokers, timeout: o.timeout });
    try {
      const existing = new Set(await admin.listTopics());
      const topics = EVENT_TYPES.map((t) => kafkaTopic(this.options.name, t)).filter((t) => !existing.has(t));
      if (topics.length > 0) {
        await admin.createTopics({ topics, partitions: this.options.kafka?.partitions ?? 3, replicas: this.options.kafka?.replicationFactor ?? 1 });
      }
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  async publish(messages: OutMessage[]): Promise<void> {
    if (!this.producer) await this.connect();
    try {
      await this.producer!.send({ messages: kafkaMessages(this.options.name, messages) });
      this.up = true;
    } catch (err) {
      this.up = false;
      throw err;
    }
  }

  connected(): boolean {
    return this.up;
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.up = false;
    await producer?.close().catch(() => undefined);
  }
}

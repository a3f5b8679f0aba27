// The queue layer built from config: a lane for the family's queue (queue.enabled; every event in the
// family envelope) and one per notifications.targets entry (AWS S3 event records, by the buckets'
// notification rules), behind one QueueDelivery the engine's dispatcher delivers through. Imported
// only when something is configured; each target's client only when a target of its kind is.
import { dirname, join } from "node:path";
import type { Config, TargetConfig } from "../config.ts";
import type { Engine } from "../core/engine.ts";
import { DeadLetters } from "./dead-letter.ts";
import { QueueDelivery, type LaneConfig, type QueueRuntime } from "./delivery.ts";
import { nodeId } from "../node-id.ts";
import { StartupError } from "../startup.ts";
import { envelope } from "./messages.ts";
import { notificationRoute } from "./routing.ts";
import type { TargetOptions } from "./target.ts";
import { createTarget } from "./targets.ts";

const LINGER_MS = 10;

/** The ARN a bucket's notification configuration names target `id` by. */
export const targetArn = (region: string, id: string) => `arn:bleepstore:sqs:${region}::${id}`;

/** The options of the family's queue target, from the `queue:` section. */
export function queueTargetOptions(config: Config): TargetOptions {
  const q = config.queue;
  switch (q.backend) {
    case "redis":
      return { kind: "redis", url: q.redis.url, name: q.redis.stream_prefix, redis: { consumerGroup: q.redis.consumer_group, maxLen: q.redis.max_len } };
    case "rabbitmq":
      return {
        kind: "rabbitmq", url: q.rabbitmq.url, name: q.rabbitmq.exchange,
        rabbitmq: { exchangeType: q.rabbitmq.exchange_type, queuePrefix: q.rabbitmq.queue_prefix, durable: q.rabbitmq.durable },
      };
    case "nats":
      return { kind: "nats", url: q.nats.url, name: q.nats.subject_prefix, nats: { stream: q.nats.stream } };
    case "kafka": {
      const k = q.kafka;
      return {
        kind: "kafka", url: k.brokers.join(","), name: k.topic_prefix,
        kafka: { brokers: k.brokers, clientId: k.client_id, acks: k.acks, partitions: k.partitions, replicationFactor: k.replication_factor },
      };
    }
    case "webhook":
      return { kind: "webhook", url: q.webhook.url, name: "", secret: q.webhook.secret, timeoutMs: q.webhook.timeout_ms };
  }
}

/** A notification target's options: its name (default: its id) is the stream/exchange/subject/topic prefix. */
export function notificationTargetOptions(t: TargetConfig): TargetOptions {
  const name = t.name || t.id;
  const base = { kind: t.kind, url: t.url, name, ...(t.secret ? { secret: t.secret } : {}) };
  switch (t.kind) {
    case "redis": return { ...base, redis: { consumerGroup: "bleepstore", maxLen: 0 } };
    case "rabbitmq": return { ...base, rabbitmq: { exchangeType: "topic", queuePrefix: name, durable: true } };
    case "nats": return { ...base, nats: { stream: name.toUpperCase().replace(/[^A-Z0-9_-]/g, "_") } };
    case "kafka": return { ...base, kafka: { brokers: t.url.split(","), clientId: "bleepstore", acks: "all", partitions: 3, replicationFactor: 1 } };
    case "webhook": return base;
  }
}

/** The delivery for this config, or null when neither the queue nor any notification target is set. */
export async function createDelivery(config: Config, engine: Engine, source: string): Promise<QueueDelivery | null> {
  const lanes: LaneConfig[] = [];
  if (config.queue.enabled) {
    lanes.push({ id: "queue", target: await createTarget(queueTargetOptions(config)), route: (event) => [envelope(event, source)] });
  }
  const lookup = (name: string) => engine.buckets.get(name).catch(() => null);
  for (const t of config.notifications.targets) {
    lanes.push({ id: t.id, target: await createTarget(notificationTargetOptions(t)), route: notificationRoute(t.id, lookup, config.server.region) });
  }
  if (lanes.length === 0) return null;
  const deadLetters = new DeadLetters(join(dirname(config.metadata.sqlite.path), "dead-letter.jsonl"));
  // Retry settings: the kafka section's for kafka, the redis section's (SPEC §10 names these two) for the rest.
  const retry = config.queue.backend === "kafka" ? config.queue.kafka : config.queue.redis;
  return new QueueDelivery(lanes, deadLetters, config.queue.max_pending, retry.retry_delay_ms, retry.max_retries);
}

/**
 * The queue layer of a starting server, attached to the engine's dispatcher before recovery delivers
 * what a crash left pending; null when nothing is configured. A target that cannot be reached is a
 * warning in write-through mode (its events wait in the outbox) and stops start-up in sync mode.
 */
export async function startQueue(config: Config, engine: Engine, warn: (message: string, fields: Record<string, unknown>) => void): Promise<QueueRuntime | null> {
  const q = config.queue;
  const delivery = await createDelivery(config, engine, config.cluster.node_id || nodeId(dirname(config.metadata.sqlite.path)));
  if (!delivery) return null;
  const failed = await delivery.connect();
  for (const [id, reason] of failed) {
    if (q.consistency === "sync") {
      await delivery.close();
      throw new StartupError(`queue target ${id} cannot be reached (${reason}); queue.consistency: sync needs it at start-up`);
    }
    warn("queue target unreachable; its events wait in the outbox", { target: id, error: reason });
  }
  // write-through and async: 10 ms of linger batches a busy moment's events into one publish (lag p99
  // stays well under 100 ms); sync: every write waits for its events, so none.
  engine.events.attach(delivery, q.consistency === "sync" ? 0 : LINGER_MS);
  return { delivery, backend: q.enabled ? q.backend : "", consistency: q.consistency, syncTimeoutMs: q.sync_timeout_ms };
}

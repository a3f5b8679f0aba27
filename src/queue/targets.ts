// Making a target of each kind: its module (and its client package) imported only when a target of
// that kind is configured, so a server without queues loads none.
import type { QueueTarget, TargetOptions } from "./target.ts";

export async function createTarget(options: TargetOptions): Promise<QueueTarget> {
  switch (options.kind) {
    case "redis": return new (await import("./redis.ts")).RedisTarget(options);
    case "rabbitmq": return new (await import("./rabbitmq.ts")).RabbitTarget(options);
    case "nats": return new (await import("./nats.ts")).NatsTarget(options);
    case "kafka": return new (await import("./kafka.ts")).KafkaTarget(options);
    case "webhook": return new (await import("./webhook.ts")).WebhookTarget(options);
  }
}

// Making the task queue of queue.consistency: async on the configured broker, its module imported only then.
import type { TargetOptions } from "./target.ts";
import type { TaskQueue } from "./task-queue.ts";

export const ASYNC_BACKENDS = ["redis", "rabbitmq", "nats"] as const;

export async function createTaskQueue(options: TargetOptions, consumer: string): Promise<TaskQueue> {
  switch (options.kind) {
    case "redis": return new (await import("./task-redis.ts")).RedisTasks(options, consumer);
    case "rabbitmq": return new (await import("./task-rabbitmq.ts")).RabbitTasks(options);
    case "nats": return new (await import("./task-nats.ts")).NatsTasks(options);
    default: throw new Error(`queue.consistency: async needs redis, rabbitmq or nats (not ${options.kind}): BleepStore must consume its tasks`);
  }
}

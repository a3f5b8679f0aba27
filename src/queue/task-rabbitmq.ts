// Async tasks on RabbitMQ: a durable queue <queue_prefix>.tasks, tasks sent persistent on a confirm
// channel; consumed one at a time (prefetch 1) with a manual ack once applied, so a task this node was
// applying when it died is delivered again.
import type { ChannelModel, ConfirmChannel } from "amqplib";
import type { TargetOptions } from "./target.ts";
import type { Task, TaskQueue } from "./task-queue.ts";

export class RabbitTasks implements TaskQueue {
  private connection: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private readonly queue: string;
  private apply: ((task: Task) => Promise<void>) | null = null;
  private stopped = false;

  constructor(private readonly options: TargetOptions) {
    this.queue = `${options.rabbitmq?.queuePrefix || options.name}.tasks`;
  }

  private opening: Promise<ConfirmChannel> | null = null;

  /** The connection and channel, opened once however many writes ask at the same moment. */
  private open(): Promise<ConfirmChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    this.opening ??= this.setUp().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async setUp(): Promise<ConfirmChannel> {
    const amqp = await import("amqplib");
    const connection = await amqp.connect(this.options.url, { timeout: this.options.timeoutMs ?? 5000 });
    const lost = () => {
      if (this.connection !== connection) return;
      this.connection = this.channel = null;
      if (this.apply && !this.stopped) setTimeout(() => void this.listen().catch(() => undefined), 250);
    };
    connection.on("error", lost);
    connection.on("close", lost);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(this.queue, { durable: true });
    this.connection = connection;
    this.channel = channel;
    return channel;
  }

  async publish(task: Task): Promise<void> {
    const channel = await this.open();
    channel.sendToQueue(this.queue, Buffer.from(JSON.stringify(task)), { persistent: true, messageId: task.id, contentType: "application/json" });
    await channel.waitForConfirms();
  }

  private async listen(): Promise<void> {
    const channel = await this.open();
    await channel.prefetch(1);
    await channel.consume(this.queue, (m) => {
      if (!m) return;
      void this.apply!(JSON.parse(m.content.toString()) as Task).then(
        () => channel.ack(m),
        // Not applied (the metadata store did not answer): back in the queue, tried again.
        () => setTimeout(() => channel.nack(m, false, true), 500),
      );
    });
  }

  consume(apply: (task: Task) => Promise<void>): void {
    this.apply = apply;
    const attempt = () => void this.listen().catch(() => setTimeout(attempt, 500));
    attempt();
  }

  connected(): boolean {
    return this.channel !== null;
  }

  async close(): Promise<void> {
    this.stopped = true;
    const connection = this.connection;
    this.connection = this.channel = null;
    await connection?.close().catch(() => undefined);
  }
}

// RabbitMQ over AMQP 0-9-1 with amqplib (the standard Node/Bun client): a durable exchange (topic by
// default), routing key = the event type, persistent JSON messages with the event id as message id,
// on a confirm channel: a batch is confirmed once RabbitMQ acknowledged every message. A durable queue
// <queue_prefix>.events is bound to every key ("#" on a topic exchange) so events are kept while no
// consumer is connected (a topic exchange drops what no queue is bound for).
import type { ChannelModel, ConfirmChannel } from "amqplib";
import { safeUrl, type OutMessage, type QueueTarget, type TargetOptions } from "./target.ts";

export class RabbitTarget implements QueueTarget {
  readonly kind = "rabbitmq" as const;
  readonly where: string;
  private connection: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;

  constructor(private readonly options: TargetOptions) {
    this.where = `${safeUrl(options.url)} exchange ${options.name}`;
  }

  async connect(): Promise<void> {
    if (this.channel) return;
    await this.close();
    const amqp = await import("amqplib");
    const connection = await amqp.connect(this.options.url, { timeout: this.options.timeoutMs ?? 5000 });
    const drop = () => {
      if (this.connection === connection) this.connection = this.channel = null;
    };
    connection.on("error", drop);
    connection.on("close", drop);
    this.connection = connection;
    const channel = await connection.createConfirmChannel();
    channel.on("error", drop);
    channel.on("close", drop);
    const r = this.options.rabbitmq ?? { exchangeType: "topic", queuePrefix: this.options.name, durable: true };
    await channel.assertExchange(this.options.name, r.exchangeType, { durable: r.durable });
    if (r.queuePrefix) {
      const queue = `${r.queuePrefix}.events`;
      await channel.assertQueue(queue, { durable: r.durable });
      await channel.bindQueue(queue, this.options.name, r.exchangeType === "topic" ? "#" : "");
    }
    this.channel = channel;
  }

  async publish(messages: OutMessage[]): Promise<void> {
    if (!this.channel) await this.connect();
    const channel = this.channel!;
    // amqplib writes each frame (three a message) to the socket on its own, on a later turn of the
    // event loop: corked until the turn after that, a batch leaves in one write.
    const socket = (this.connection as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } } | null)?.connection?.stream;
    socket?.cork?.();
    setImmediate(() => setImmediate(() => socket?.uncork?.()));
    // One callback for the batch (amqplib's waitForConfirms makes a promise per message): done once
    // RabbitMQ confirmed every message; a nack, or the channel closing first, fails the batch.
    await new Promise<void>((resolve, reject) => {
      let left = messages.length;
      let failure: Error | null = null;
      const confirmed = (err: unknown) => {
        if (err) failure ??= err instanceof Error ? err : new Error(String(err));
        if (--left === 0) failure ? reject(failure) : resolve();
      };
      for (const m of messages) {
        channel.publish(this.options.name, m.type, Buffer.from(m.body), {
          persistent: true, messageId: m.id, contentType: "application/json", type: m.type, headers: { bucket: m.bucket },
        }, confirmed);
      }
      if (left === 0) resolve();
    });
  }

  connected(): boolean {
    return this.channel !== null;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = this.channel = null;
    await connection?.close().catch(() => undefined);
  }
}

// Redis Streams through Bun's built-in client (Bun.RedisClient: RESP3, pipelined; no package needed):
// each message an XADD to <prefix>:events with fields id, type and event (the JSON), optionally
// trimmed with MAXLEN ~. A consumer group is created on the stream (MKSTREAM) so consumers can read it
// with XREADGROUP from the first event. The XADD reply is the broker's confirmation.
import { RedisClient } from "bun";
import { safeUrl, type OutMessage, type QueueTarget, type TargetOptions } from "./target.ts";

export class RedisTarget implements QueueTarget {
  readonly kind = "redis" as const;
  readonly where: string;
  private client: RedisClient | null = null;
  private readonly stream: string;

  constructor(private readonly options: TargetOptions) {
    this.where = `${safeUrl(options.url)} stream ${options.name}:events`;
    this.stream = `${options.name}:events`;
  }

  async connect(): Promise<void> {
    if (this.client?.connected) return;
    this.client?.close();
    // No reconnecting or queueing inside the client: the delivery loop retries from the outbox.
    const client = new RedisClient(this.options.url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: this.options.timeoutMs ?? 5000 });
    this.client = client;
    await client.connect();
    const group = this.options.redis?.consumerGroup;
    if (group) {
      try {
        await client.send("XGROUP", ["CREATE", this.stream, group, "0", "MKSTREAM"]);
      } catch (err) {
        if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
      }
    }
  }

  async publish(messages: OutMessage[]): Promise<void> {
    if (!this.client?.connected) await this.connect();
    const client = this.client!;
    const maxLen = this.options.redis?.maxLen ?? 0;
    const trim = maxLen > 0 ? ["MAXLEN", "~", String(maxLen)] : [];
    // One connection, pipelined: the commands reach Redis, and are appended, in this order.
    await Promise.all(messages.map((m) => client.send("XADD", [this.stream, ...trim, "*", "id", m.id, "type", m.type, "event", m.body])));
  }

  connected(): boolean {
    return this.client?.connected ?? false;
  }

  async close(): Promise<void> {
    this.client?.close();
    this.client = null;
  }
}

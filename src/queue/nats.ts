// NATS JetStream with the NATS maintainers' client (@nats-io/transport-node + @nats-io/jetstream, the
// successor of the `nats` package): subject <prefix>.<event type>, each message published with the
// event id as Nats-Msg-Id (JetStream drops a re-sent id within its duplicate window) and confirmed by
// its PubAck. The stream is created with subjects <prefix>.> when it does not exist.
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { safeUrl, type OutMessage, type QueueTarget, type TargetOptions } from "./target.ts";

export class NatsTarget implements QueueTarget {
  readonly kind = "nats" as const;
  readonly where: string;
  private connection: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private up = false;

  constructor(private readonly options: TargetOptions) {
    this.where = `${safeUrl(options.url)} subjects ${options.name}.>`;
  }

  async connect(): Promise<void> {
    if (this.js && this.connection && !this.connection.isClosed()) return;
    await this.close();
    const [{ connect }, { jetstream, jetstreamManager }] = await Promise.all([import("@nats-io/transport-node"), import("@nats-io/jetstream")]);
    const timeout = this.options.timeoutMs ?? 5000;
    const connection = await connect({ servers: this.options.url, timeout, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    this.connection = connection;
    void (async () => {
      for await (const s of connection.status()) {
        if (s.type === "disconnect" || s.type === "error") this.up = false;
        else if (s.type === "reconnect") this.up = true;
      }
    })().catch(() => undefined);
    const manager = await jetstreamManager(connection, { timeout });
    const stream = this.options.nats?.stream ?? this.options.name.toUpperCase();
    try {
      await manager.streams.info(stream);
    } catch {
      await manager.streams.add({ name: stream, subjects: [`${this.options.name}.>`] });
    }
    this.js = jetstream(connection, { timeout });
    this.up = true;
  }

  async publish(messages: OutMessage[]): Promise<void> {
    if (!this.js || !this.connection || this.connection.isClosed()) await this.connect();
    const js = this.js!;
    try {
      // Published in order on one connection; each ack confirms its message stored in the stream.
      await Promise.all(messages.map((m) => js.publish(`${this.options.name}.${m.type}`, m.body, { msgID: m.id })));
      this.up = true;
    } catch (err) {
      this.up = false;
      throw err;
    }
  }

  connected(): boolean {
    return this.up && this.connection !== null && !this.connection.isClosed();
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.js = null;
    this.up = false;
    await connection?.close().catch(() => undefined);
  }
}

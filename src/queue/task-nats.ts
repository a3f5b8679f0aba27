// Async tasks on NATS JetStream: a stream <STREAM>_TASKS on subject <prefix>_tasks (outside the events'
// <prefix>.>, which a stream of its own holds: JetStream streams may not share subjects), published with the
// task id as Nats-Msg-Id; a durable pull consumer "bleepstore-tasks" hands them over (one standing pull) to be applied one at a time,
// acknowledged once applied (an unacknowledged one — its node died — is delivered again after 5 s).
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { TargetOptions } from "./target.ts";
import type { Task, TaskQueue } from "./task-queue.ts";

export class NatsTasks implements TaskQueue {
  private connection: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private stopped = false;
  private readonly subject: string;
  private readonly stream: string;

  constructor(private readonly options: TargetOptions) {
    this.subject = `${options.name}_tasks`;
    this.stream = `${options.nats?.stream ?? options.name.toUpperCase()}_TASKS`;
  }

  private opening: Promise<JetStreamClient> | null = null;

  /** The connection, stream and consumer, set up once however many writes ask at the same moment. */
  private open(): Promise<JetStreamClient> {
    if (this.js && this.connection && !this.connection.isClosed()) return Promise.resolve(this.js);
    this.opening ??= this.setUp().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async setUp(): Promise<JetStreamClient> {
    const [{ connect }, { jetstream, jetstreamManager, AckPolicy }] = await Promise.all([import("@nats-io/transport-node"), import("@nats-io/jetstream")]);
    const connection = await connect({ servers: this.options.url, timeout: this.options.timeoutMs ?? 5000, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    const manager = await jetstreamManager(connection);
    try {
      await manager.streams.info(this.stream);
    } catch {
      await manager.streams.add({ name: this.stream, subjects: [this.subject] });
    }
    try {
      await manager.consumers.info(this.stream, "bleepstore-tasks");
    } catch {
      await manager.consumers.add(this.stream, { durable_name: "bleepstore-tasks", ack_policy: AckPolicy.Explicit, ack_wait: 5_000_000_000 });
    }
    this.connection = connection;
    this.js = jetstream(connection);
    return this.js;
  }

  async publish(task: Task): Promise<void> {
    const js = await this.open();
    await js.publish(this.subject, JSON.stringify(task), { msgID: task.id });
  }

  private messages: { close(): Promise<void | Error> } | null = null;

  consume(apply: (task: Task) => Promise<void>): void {
    void (async () => {
      while (!this.stopped) {
        try {
          const js = await this.open();
          const consumer = await js.consumers.get(this.stream, "bleepstore-tasks");
          // One standing pull (a few messages buffered, applied one at a time in stream order) instead of a
          // pull request and a consumer lookup per task.
          const messages = await consumer.consume({ max_messages: 4 });
          this.messages = messages;
          for await (const m of messages) {
            try {
              await apply(m.json<Task>());
              m.ack();
            } catch {
              m.nak(500);
            }
            if (this.stopped) break;
          }
        } catch {
          // the connection or the consumer went away: set up again
        }
        this.messages = null;
        if (!this.stopped) await Bun.sleep(250);
      }
    })();
  }

  connected(): boolean {
    return this.connection !== null && !this.connection.isClosed();
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }
}

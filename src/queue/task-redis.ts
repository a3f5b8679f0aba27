// Async tasks on Redis Streams: XADD to <prefix>:tasks; this node reads them with XREADGROUP in the
// group <consumer_group>-tasks as consumer <node id> (its own pending entries first, after a restart),
// and XACKs each once applied.
import { RedisClient } from "bun";
import type { TargetOptions } from "./target.ts";
import type { Task, TaskQueue } from "./task-queue.ts";

/** XREADGROUP's reply: RESP3 (Bun's client) a map of stream → entries; RESP2 a list of [stream, entries]. */
type Reply = Record<string, Array<[string, string[]]>> | Array<[string, Array<[string, string[]]>]> | null;
const entriesOf = (reply: Reply): Array<[string, string[]]> =>
  !reply ? [] : Array.isArray(reply) ? reply[0]?.[1] ?? [] : Object.values(reply)[0] ?? [];

export class RedisTasks implements TaskQueue {
  private readonly stream: string;
  private readonly group: string;
  private writer: RedisClient | null = null;
  private connecting: Promise<RedisClient> | null = null;
  private stopped = false;

  constructor(private readonly options: TargetOptions, private readonly consumer: string) {
    this.stream = `${options.name}:tasks`;
    this.group = `${options.redis?.consumerGroup ?? "bleepstore"}-tasks`;
  }

  /** One connection for publishing, opened once however many writes ask for it at the same moment. */
  private client(): Promise<RedisClient> {
    if (this.writer?.connected) return Promise.resolve(this.writer);
    this.connecting ??= (async () => {
      try {
        this.writer?.close();
        const writer = new RedisClient(this.options.url, { autoReconnect: false, enableOfflineQueue: false });
        await writer.connect();
        this.writer = writer;
        return writer;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  async publish(task: Task): Promise<void> {
    const client = await this.client();
    await client.send("XADD", [this.stream, "*", "task", JSON.stringify(task)]);
  }

  consume(apply: (task: Task) => Promise<void>): void {
    void (async () => {
      let reader: RedisClient | null = null;
      // "0": this consumer's own unacknowledged entries first (a restart), then ">": new ones.
      let from = "0";
      while (!this.stopped) {
        try {
          if (!reader?.connected) {
            reader?.close();
            reader = new RedisClient(this.options.url, { autoReconnect: false, enableOfflineQueue: false });
            await reader.connect();
            try {
              await reader.send("XGROUP", ["CREATE", this.stream, this.group, "0", "MKSTREAM"]);
            } catch (err) {
              if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
            }
            from = "0";
          }
          const entries = entriesOf((await reader.send("XREADGROUP", ["GROUP", this.group, this.consumer, "COUNT", "16", "BLOCK", "1000", "STREAMS", this.stream, from])) as Reply);
          if (from === "0" && entries.length === 0) {
            from = ">";
            continue;
          }
          for (const [id, fields] of entries) {
            const i = fields.indexOf("task");
            if (i >= 0) await apply(JSON.parse(fields[i + 1]!) as Task);
            await reader.send("XACK", [this.stream, this.group, id]);
          }
        } catch {
          reader?.close();
          reader = null;
          await Bun.sleep(250);
        }
      }
      reader?.close();
    })();
  }

  connected(): boolean {
    return this.writer?.connected ?? false;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.writer?.close();
  }
}

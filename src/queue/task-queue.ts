// The task queue of queue.consistency: async — the writes answered at once and applied afterwards. A
// task is published with the broker's confirmation before its write is answered, and consumed by this
// node in order, acknowledged only once applied: a task in flight when the process died is delivered
// again at the next start (the broker keeps it). Redis Streams (a consumer group, XACK), RabbitMQ (a
// durable queue, manual acks), NATS JetStream (a durable consumer, acks); Kafka and webhooks cannot be
// consumed from here, so async is refused with them.

export interface Task {
  id: string;
  op: "PutObject" | "DeleteObject";
  bucket: string;
  key: string;
  versionId?: string;
  /** The request's time (ms): what "applied already" is judged against after a crash. */
  at: number;
  /** The requester's canonical user (and display name), as the request was authenticated. */
  requester: { id: string; displayName: string } | null;
  /** ACL permissions the bucket policy granted the request (applied with them). */
  granted?: string[];
  /** The bucket's public access block as the request saw it. */
  publicAccess?: { blockPublicAcls: boolean; ignorePublicAcls: boolean };
  /** PutObject: the headers the write keeps (content type, metadata, ACL, tags, lock...). */
  headers?: Record<string, string>;
  /** PutObject: the body, spooled and fsynced before the answer. */
  bodyFile?: string;
  size?: number;
}

export interface TaskQueue {
  publish(task: Task): Promise<void>;
  /** Starts handing tasks to `apply`, in order, one at a time; a task is acknowledged once `apply` resolved. */
  consume(apply: (task: Task) => Promise<void>): void;
  connected(): boolean;
  close(): Promise<void>;
}

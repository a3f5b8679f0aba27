// Put/GetBucketLogging: where a bucket's server access logs go — a bucket of the same owner, under a
// key prefix — as S3 checks it (the target must exist and be the source bucket owner's:
// InvalidTargetBucketForLogging otherwise). The log records themselves: core/access-log-*.ts.
import { S3Error } from "../errors.ts";
import type { BucketLogging } from "../metadata/store.ts";
import type { Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";

export class AccessLogging {
  constructor(private readonly ctx: EngineContext, private readonly buckets: Buckets) {}

  /** The bucket's logging target, or undefined when logging is off. */
  async get(requester: Requester, name: string): Promise<BucketLogging | undefined> {
    return (await this.buckets.owned(requester, name)).logging;
  }

  /** Turns logging on (to `logging`) or off (null). */
  async set(requester: Requester, name: string, logging: BucketLogging | null): Promise<void> {
    const bucket = await this.buckets.owned(requester, name);
    if (logging) {
      const target = await this.ctx.metadata.getBucket(logging.targetBucket);
      if (!target) throw new S3Error("InvalidTargetBucketForLogging", { message: "The target bucket for logging does not exist", detail: { TargetBucket: logging.targetBucket } });
      if (target.owner.id !== bucket.owner.id) {
        throw new S3Error("InvalidTargetBucketForLogging", { message: "The owner for the bucket to be logged and the target bucket must be the same.", detail: { TargetBucket: logging.targetBucket } });
      }
    }
    this.buckets.forget(name);
    await this.ctx.metadata.updateBucket(name, { logging }, [newEvent("bucket.logging.updated", { bucket: name, enabled: logging !== null })]);
    this.buckets.forget(name);
    this.ctx.publish();
  }
}

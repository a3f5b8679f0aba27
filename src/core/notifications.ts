// A bucket's event notifications (Put/GetBucketNotificationConfiguration): rules naming a configured
// target by ARN, S3 event names and key filters. Checked here as S3 checks them (a destination that is
// not configured, an event S3 does not have, two rules that would both send one event), stored with the
// bucket, and announced with bucket.notification.updated, which makes the targets named get s3:TestEvent.
import { S3Error } from "../errors.ts";
import type { NotificationRule } from "../metadata/store.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";
import type { Requester } from "./acl.ts";

/** The event names S3 accepts in a configuration (the ones it can send, with their "*" families). */
export const S3_EVENT_NAMES = new Set([
  "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload",
  "s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
  "s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
  "s3:ReducedRedundancyLostObject", "s3:Replication:*", "s3:Replication:OperationFailedReplication",
  "s3:Replication:OperationNotTracked", "s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
  "s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
  "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
  "s3:ObjectAcl:Put",
]);

/** The target id an ARN names: arn:<partition>:<sqs|sns|lambda>:<region>:<account>:<id>, of a configured target. */
export function targetOfArn(arn: string, known: ReadonlySet<string>): string | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !["sqs", "sns", "lambda"].includes(parts[2]!)) return undefined;
  const id = parts.slice(5).join(":").replace(/^function:/, "");
  return known.has(id) ? id : undefined;
}

/** Two rules overlap when some key and event would match both (S3 refuses such a configuration). */
function overlap(a: NotificationRule, b: NotificationRule): boolean {
  const family = (e: string) => e.split(":").slice(0, 2).join(":");
  const events = a.events.some((x) => b.events.some((y) => x === y || (x.endsWith(":*") && family(x) === family(y)) || (y.endsWith(":*") && family(x) === family(y))));
  if (!events) return false;
  const pa = a.prefix ?? "", pb = b.prefix ?? "", sa = a.suffix ?? "", sb = b.suffix ?? "";
  return (pa.startsWith(pb) || pb.startsWith(pa)) && (sa.endsWith(sb) || sb.endsWith(sa));
}

export class Notifications {
  private readonly known: ReadonlySet<string>;

  constructor(private readonly ctx: EngineContext, private readonly buckets: Buckets, targets: readonly string[]) {
    this.known = new Set(targets);
  }

  /** The configured targets' ids (what ARNs may name). */
  targets(): string[] {
    return [...this.known];
  }

  async get(requester: Requester, name: string): Promise<NotificationRule[]> {
    return (await this.buckets.owned(requester, name)).notification ?? [];
  }

  /** Replaces the bucket's rules (ARNs as sent: `target` is filled in from them). */
  async set(requester: Requester, name: string, rules: Array<Omit<NotificationRule, "target">>): Promise<void> {
    await this.buckets.owned(requester, name);
    const checked: NotificationRule[] = [];
    const unknown: string[] = [];
    const ids = new Set<string>();
    for (const rule of rules) {
      if (ids.has(rule.id)) throw new S3Error("InvalidArgument", { message: "Configuration Id must be unique within a bucket.", detail: { ArgumentName: "Id", ArgumentValue: rule.id } });
      ids.add(rule.id);
      for (const event of rule.events) {
        if (!S3_EVENT_NAMES.has(event)) throw new S3Error("InvalidArgument", { message: "The event is not supported for notifications", detail: { ArgumentName: event, ArgumentValue: event } });
      }
      const target = targetOfArn(rule.arn, this.known);
      if (target === undefined) unknown.push(rule.arn);
      else checked.push({ ...rule, target });
    }
    if (unknown.length > 0) {
      throw new S3Error("InvalidArgument", {
        message: `Unable to validate the following destination configurations: ${unknown.join(", ")}. Configured targets: ${this.targets().join(", ") || "none"}.`,
        detail: { ArgumentName: unknown[0]!, ArgumentValue: "The destination is not a configured notification target" },
      });
    }
    for (let i = 0; i < checked.length; i++) {
      for (let j = i + 1; j < checked.length; j++) {
        if (overlap(checked[i]!, checked[j]!)) {
          throw new S3Error("InvalidArgument", {
            message: "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
            detail: { ArgumentName: "Event", ArgumentValue: checked[j]!.events.join(",") },
          });
        }
      }
    }
    const targets = [...new Set(checked.map((r) => r.target))].join(",");
    this.buckets.forget(name);
    await this.ctx.metadata.updateBucket(name, { notification: checked.length > 0 ? checked : null }, [
      newEvent("bucket.notification.updated", { bucket: name, targets }),
    ]);
    this.buckets.forget(name);
    this.ctx.publish();
  }
}

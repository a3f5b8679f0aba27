// Lifecycle: the rules of PutBucketLifecycleConfiguration, and the pass that applies them. A pass walks
// each bucket's versions in key order a page at a time and, per key: expires the current version
// (a delete marker on a versioned bucket, as S3 does), removes noncurrent versions past NoncurrentDays
// beyond the newest NewerNoncurrentVersions, removes a delete marker left as a key's only version; then
// aborts uploads older than DaysAfterInitiation. Every action goes through the engine like a client's
// delete (events, Object Lock: a retained or legal-held version is never touched), as the bucket owner
// with the requester "lifecycle" in its events. A pass is idempotent: rerun after a kill -9, it finds
// what is left to do and nothing twice (what was deleted is gone). One "day" is lifecycle.day_seconds;
// what is due when: lifecycle-due.ts.
import { S3Error } from "../errors.ts";
import { checkLock } from "../metadata/condition.ts";
import type { BucketRecord, LifecycleRule, ObjectRecord, VersionEntry } from "../metadata/store.ts";
import type { Requester } from "./acl.ts";
import type { Buckets } from "./buckets.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";
import { abortOf, boundsMatch, dueAt, expiryOf, ruleMatches, type Due } from "./lifecycle-due.ts";
import type { Multipart } from "./multipart.ts";
import type { Objects } from "./objects.ts";
import type { ScanProgress } from "./lifecycle-progress.ts";
import { withRequest } from "./request-context.ts";

export interface LifecycleAction {
  action: "expire" | "noncurrent" | "marker" | "abort";
  bucket: string;
  key: string;
  versionId?: string;
  uploadId?: string;
}

/** What a pass did (or, dry, would do): counts, and the first actions. */
export interface LifecyclePass {
  expired: number;
  noncurrent: number;
  markers: number;
  aborted: number;
  dryRun: boolean;
  actions: LifecycleAction[];
}

export interface LifecycleRunOptions {
  now?: number;
  /** Only this bucket. */
  bucket?: string;
  /** Decide, change nothing: what would be deleted or aborted (Object Lock considered). */
  dryRun?: boolean;
}

const PAGE = 1000;
/** A pass waits this many times as long as each page took: it takes at most about 1/(PACE+1) of the server's time. */
const PACE = 19;
/** The longest pause between two pages of a pass (a page slow for its deletes' I/O waits no longer). */
const PAUSE_MS = 500;
/** How many actions a pass reports (its counts count them all). */
const REPORTED = 1000;
const COUNTER = { expire: "expired", noncurrent: "noncurrent", marker: "markers", abort: "aborted" } as const;

export class Lifecycle {
  constructor(
    private readonly ctx: EngineContext, private readonly buckets: Buckets, private readonly objects: Objects,
    private readonly multipart: Multipart, private readonly dayMs: number, private readonly progress?: ScanProgress,
  ) {}

  async get(requester: Requester, name: string): Promise<LifecycleRule[]> {
    const bucket = await this.buckets.owned(requester, name);
    if (!bucket.lifecycle) throw new S3Error("NoSuchLifecycleConfiguration", { detail: { BucketName: name } });
    return bucket.lifecycle;
  }

  async set(requester: Requester, name: string, rules: LifecycleRule[] | null): Promise<void> {
    await this.buckets.owned(requester, name);
    this.buckets.forget(name);
    await this.ctx.metadata.updateBucket(name, { lifecycle: rules }, [newEvent("bucket.lifecycle.updated", { bucket: name })]);
    this.buckets.forget(name);
    this.ctx.publish();
  }

  /**
   * One pass over every bucket with rules (or only `options.bucket`). A full pass that is not dry keeps
   * its position (lifecycle-progress.ts) and, cut short, the next one resumes from it.
   */
  async run(options: LifecycleRunOptions = {}): Promise<LifecyclePass> {
    const now = options.now ?? Date.now();
    const pass: LifecyclePass = { expired: 0, noncurrent: 0, markers: 0, aborted: 0, dryRun: options.dryRun === true, actions: [] };
    const progress = options.bucket === undefined && !pass.dryRun ? this.progress : undefined;
    const resume = progress?.load() ?? null;
    return withRequest({ id: `lifecycle-${now}`, requester: "lifecycle", sourceIp: "" }, async () => {
      const buckets = (await this.ctx.metadata.listBuckets()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const bucket of buckets) {
        if (options.bucket !== undefined && bucket.name !== options.bucket) continue;
        if (resume && bucket.name < resume.bucket) continue;
        const rules = bucket.lifecycle?.filter((r) => r.enabled) ?? [];
        if (rules.length === 0) continue;
        const from = resume && bucket.name === resume.bucket ? resume.key : "";
        await this.versionsOf(bucket, rules, now, pass, from, progress);
        await this.uploadsOf(bucket, rules, now, pass);
      }
      progress?.clear();
      return pass;
    });
  }

  private done(pass: LifecyclePass, action: LifecycleAction): void {
    pass[COUNTER[action.action]]++;
    if (pass.actions.length < REPORTED) pass.actions.push(action);
  }

  /**
   * `from`: the last key already done (a resumed pass). Paced: after each page the pass waits PACE times
   * as long as the page took (at most PAUSE_MS), so it takes about a twentieth of the server's time.
   */
  private async versionsOf(bucket: BucketRecord, rules: LifecycleRule[], now: number, pass: LifecyclePass, from: string, progress?: ScanProgress): Promise<void> {
    let keyMarker = from;
    let versionIdMarker = "";
    let group: VersionEntry[] = [];
    for (;;) {
      const started = performance.now();
      const page = await this.ctx.metadata.listObjectVersions(bucket.name, { prefix: "", delimiter: "", keyMarker, versionIdMarker, maxKeys: PAGE });
      let finished: string | undefined;
      for (const v of page.versions) {
        if (group.length > 0 && group[0]!.key !== v.key) {
          await this.applyToKey(bucket, rules, group, now, pass);
          finished = group[0]!.key;
          group = [];
        }
        group.push(v);
      }
      if (finished !== undefined) await progress?.save({ bucket: bucket.name, key: finished });
      if (!page.isTruncated) break;
      keyMarker = page.nextKeyMarker ?? "";
      versionIdMarker = page.nextVersionIdMarker ?? "";
      await Bun.sleep(Math.min((performance.now() - started) * PACE, PAUSE_MS));
    }
    if (group.length > 0) await this.applyToKey(bucket, rules, group, now, pass);
  }

  private async matches(rule: LifecycleRule, bucket: string, v: VersionEntry): Promise<boolean> {
    if (!boundsMatch(rule, v)) return false;
    if (!rule.tags) return true;
    if (v.deleteMarker) return false;
    // The tags are in the version's record.
    const record = await this.ctx.metadata.getObject(bucket, v.key, v.versionId);
    return !!record && ruleMatches(rule, record);
  }

  /** When the current version `r` of `bucket` expires by its rules (x-amz-expiration). */
  async expiryFor(bucket: string, r: ObjectRecord): Promise<Due | undefined> {
    // The write is done: a bucket deleted since only means nothing to announce.
    const rules = (await this.buckets.get(bucket).catch(() => undefined))?.lifecycle;
    return rules ? expiryOf(rules, r, this.dayMs) : undefined;
  }

  /** When an upload of `key` in `bucket` initiated at `initiated` is aborted by its rules (x-amz-abort-date). */
  async abortFor(bucket: string, key: string, initiated: number): Promise<Due | undefined> {
    const rules = (await this.buckets.get(bucket).catch(() => undefined))?.lifecycle;
    return rules ? abortOf(rules, key, initiated, this.dayMs) : undefined;
  }

  /** Deletes one version (or, without an id, the current object) as the bucket owner; false when Object Lock keeps it. */
  private async remove(bucket: BucketRecord, key: string, versionId: string | undefined, pass: LifecyclePass, action: LifecycleAction["action"]): Promise<boolean> {
    try {
      if (pass.dryRun) {
        // A delete marker over the current version is always allowed; removing a version, only what Object Lock lets go.
        if (versionId !== undefined) {
          const record = await this.ctx.metadata.getObject(bucket.name, key, versionId);
          if (!record) return false;
          checkLock(record);
        }
      } else {
        await this.objects.delete(bucket.owner, bucket.name, key, versionId !== undefined ? { versionId } : {});
      }
    } catch (err) {
      if (err instanceof S3Error && (err.code === "AccessDenied" || err.code === "NoSuchKey" || err.code === "NoSuchVersion")) return false;
      throw err;
    }
    this.done(pass, { action, bucket: bucket.name, key, ...(versionId !== undefined ? { versionId } : {}) });
    return true;
  }

  /** `versions`: one key's versions, newest first. */
  private async applyToKey(bucket: BucketRecord, rules: LifecycleRule[], versions: VersionEntry[], now: number, pass: LifecyclePass): Promise<void> {
    const current = versions[0]!.isLatest ? versions[0]! : undefined;
    for (const rule of rules) {
      const exp = rule.expiration;
      if (current && !current.deleteMarker && exp && (exp.days !== undefined || exp.date !== undefined) && (await this.matches(rule, bucket.name, current))) {
        const due = now >= (exp.days !== undefined ? dueAt(current.lastModified, exp.days, this.dayMs) : exp.date!);
        if (due && (await this.remove(bucket, current.key, bucket.versioning ? undefined : current.versionId, pass, "expire"))) return;
      }
      if (current?.deleteMarker && versions.length === 1 && exp?.expiredObjectDeleteMarker && (await this.matches(rule, bucket.name, current))) {
        await this.remove(bucket, current.key, current.versionId, pass, "marker");
        return;
      }
      if (rule.noncurrent) {
        const newer = rule.noncurrent.newer ?? 0;
        for (let i = 1; i < versions.length; i++) {
          // Noncurrent since the version after it was made; the newest `newer` noncurrent ones stay.
          if (i <= newer || now < dueAt(versions[i - 1]!.lastModified, rule.noncurrent.days, this.dayMs)) continue;
          const v = versions[i]!;
          if (!(await this.matches(rule, bucket.name, v))) continue;
          await this.remove(bucket, v.key, v.versionId, pass, "noncurrent");
        }
      }
    }
  }

  private async uploadsOf(bucket: BucketRecord, rules: LifecycleRule[], now: number, pass: LifecyclePass): Promise<void> {
    const aborting = rules.filter((r) => r.abortAfterDays !== undefined);
    if (aborting.length === 0) return;
    let after: { key: string; uploadId?: string } = { key: "", uploadId: "" };
    for (;;) {
      const uploads = await this.ctx.metadata.listUploads(bucket.name, "", after, PAGE);
      for (const u of uploads) {
        const due = abortOf(aborting, u.key, u.initiated, this.dayMs);
        if (!due || now < due.date) continue;
        try {
          if (!pass.dryRun) await this.multipart.abort(bucket.owner, bucket.name, u.key, u.uploadId);
          this.done(pass, { action: "abort", bucket: bucket.name, key: u.key, uploadId: u.uploadId });
        } catch (err) {
          if (!(err instanceof S3Error && err.code === "NoSuchUpload")) throw err;
        }
      }
      if (uploads.length < PAGE) return;
      after = { key: uploads.at(-1)!.key, uploadId: uploads.at(-1)!.uploadId };
    }
  }
}

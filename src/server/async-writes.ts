// queue.consistency: async — PutObject and DeleteObject answered once their intent is durable, applied
// afterwards by this node's consumer of the task queue (task-queue.ts), in order.
// At the request: what can be checked is (the bucket exists, the requester may write to it, the body's
// length and digests); the body is spooled to <data dir>/async/<task>.body and fsynced, the task
// published with the broker's confirmation, then the answer (200 with the ETag, or 204) carries
// x-bleepstore-task-id. GET /_bleepstore/tasks/<id> says pending, done or failed (with S3's error).
// Applying: the same handler as a synchronous request, as the same requester. A crash while applying
// leaves <task>.applying (the key's version before it): on redelivery, a key that changed since means
// the task was applied (or replaced by a later write), so it is not applied twice.
// What cannot be decided before the answer is refused in this mode (501): conditional writes
// (If-Match, If-None-Match) and SSE-C.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { requirePermission } from "../core/acl.ts";
import { digesting, type BodyDigest } from "../core/digest.ts";
import { assertKey } from "../core/names.ts";
import { requestedSse } from "./sse-headers.ts";
import { currentRequest, withRequest } from "../core/request-context.ts";
import type { Permission } from "../metadata/store.ts";
import { replaceFile, tempOf } from "../durable-file.ts";
import { S3Error, toS3Error } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Task, TaskQueue } from "../queue/task-queue.ts";
import { uploadBody } from "./body.ts";
import { OPERATIONS } from "./operations/index.ts";
import type { S3Request, S3Response } from "./types.ts";

/** Headers a queued PutObject keeps: what the stored object is made of (not transport or signing). */
const KEPT = /^(content-type|content-encoding|content-language|content-disposition|cache-control|expires|x-amz-meta-.*|x-amz-acl|x-amz-grant-.*|x-amz-storage-class|x-amz-tagging|x-amz-server-side-encryption(?:-aws-kms-key-id|-context|-bucket-key-enabled)?|x-amz-object-lock-.*|x-amz-website-redirect-location|x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)|x-amz-sdk-checksum-algorithm|x-amz-bypass-governance-retention)$/;

type State = { state: "pending" | "done" | "failed"; error?: { code: string; message: string } };

export class AsyncWrites {
  private readonly statuses = new Map<string, State>();
  private readonly statusFile: string;

  constructor(private readonly tasks: TaskQueue, private readonly dir: string, private readonly log: Logger) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.statusFile = join(dir, "status.jsonl");
    if (existsSync(this.statusFile)) {
      for (const line of readFileSync(this.statusFile, "utf8").split("\n")) {
        if (!line) continue;
        try {
          const s = JSON.parse(line) as State & { id: string };
          this.statuses.set(s.id, { state: s.state, ...(s.error ? { error: s.error } : {}) });
        } catch {
          // a line torn by a crash
        }
      }
    }
  }

  /** Whether `operation` is queued in async mode. */
  static queued(operation: string): operation is "PutObject" | "DeleteObject" {
    return operation === "PutObject" || operation === "DeleteObject";
  }

  status(id: string): (State & { id: string }) | undefined {
    const s = this.statuses.get(id);
    return s ? { id, ...s } : undefined;
  }

  private setStatus(id: string, state: State): void {
    this.statuses.set(id, state);
    if (this.statuses.size > 100_000) this.statuses.delete(this.statuses.keys().next().value!);
    void appendFile(this.statusFile, `${JSON.stringify({ id, ...state })}\n`).catch(() => undefined);
  }

  /** Starts applying queued tasks (those a crash left first). */
  start(engine: S3Request["engine"]): void {
    this.tasks.consume((task) => this.apply(engine, task));
  }

  async submit(req: S3Request): Promise<S3Response> {
    const { bucket, key } = req.params as { bucket: string; key: string; versionId?: string };
    if (req.headers.has("if-match") || req.headers.has("if-none-match")) {
      throw new S3Error("NotImplemented", { message: "Conditional writes cannot be decided before they are applied: not available with queue.consistency: async." });
    }
    if (req.headers.has("x-amz-server-side-encryption-customer-algorithm")) {
      throw new S3Error("NotImplemented", { message: "SSE-C keys are never stored, so a queued write could not use them: not available with queue.consistency: async." });
    }
    assertKey(key);
    requirePermission((await req.engine.buckets.get(bucket)).acl, req.requester, "WRITE");
    // An SSE-KMS write is refused now, as a direct one would be, when its key cannot encrypt.
    const sse = requestedSse(req.headers, undefined);
    if (sse?.type === "SSE-KMS") await req.engine.kms.checkUsable(sse.keyId);
    const id = crypto.randomUUID();
    const { granted, publicAccess } = currentRequest();
    const task: Task = {
      id, op: req.operation as Task["op"], bucket, key, at: Date.now(), requester: req.requester,
      ...(granted?.size ? { granted: [...granted] } : {}), ...(publicAccess ? { publicAccess } : {}),
    };
    const headers: Record<string, string> = { "x-bleepstore-task-id": id };
    if (req.operation === "DeleteObject") {
      const versionId = (req.params as { versionId?: string }).versionId;
      if (versionId !== undefined) task.versionId = versionId;
      await this.publish(task);
      return { status: 204, headers };
    }
    const digest = await this.spool(req, task);
    await this.publish(task).catch((err: unknown) => {
      rmSync(task.bodyFile!, { force: true });
      throw err;
    });
    headers.etag = `"${digest.etag}"`;
    if (digest.checksum) headers[`x-amz-checksum-${digest.checksum.algorithm.toLowerCase()}`] = digest.checksum.value;
    return { headers };
  }

  /** The body, checked as a synchronous PUT checks it, in a file made durable before the answer. */
  private async spool(req: S3Request, task: Task): Promise<BodyDigest> {
    const { source, expect } = uploadBody(req.body, req.headers, req.auth.payload);
    if (req.headers.has("content-md5")) expect.contentMd5 = req.headers.get("content-md5")!;
    const result: Partial<BodyDigest> = {};
    const file = join(this.dir, `${task.id}.body`);
    const fd = openSync(file, "wx", 0o600);
    try {
      for await (const chunk of digesting(source, expect, result)) {
        for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at);
      }
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(file, { force: true });
      throw err;
    }
    closeSync(fd);
    const kept: Record<string, string> = {};
    req.headers.forEach((value, name) => {
      if (KEPT.test(name)) kept[name] = name === "content-encoding" ? value.split(",").map((e) => e.trim()).filter((e) => e !== "aws-chunked").join(", ") : value;
    });
    if (kept["content-encoding"] === "") delete kept["content-encoding"];
    // The checksum the client sent (in a trailer too) was verified: the stored object keeps it.
    if (result.checksum) {
      kept[`x-amz-checksum-${result.checksum.algorithm.toLowerCase()}`] = result.checksum.value;
      kept["x-amz-sdk-checksum-algorithm"] = result.checksum.algorithm;
    }
    Object.assign(task, { headers: kept, bodyFile: file, size: result.size! });
    return result as BodyDigest;
  }

  private async publish(task: Task): Promise<void> {
    try {
      await this.tasks.publish(task);
    } catch (err) {
      throw new S3Error("ServiceUnavailable", { message: `The task queue did not take the write (${(err as Error).message}); nothing was changed.`, cause: err });
    }
    this.setStatus(task.id, { state: "pending" });
  }

  /** The key's current version, as a mark of whether a task changed it. */
  private async mark(engine: S3Request["engine"], task: Task): Promise<string> {
    const r = await engine.metadata.getObject(task.bucket, task.key);
    return JSON.stringify(r ? [r.versionId, r.lastModified, r.etag, r.storageId] : null);
  }

  private async apply(engine: S3Request["engine"], task: Task): Promise<void> {
    const applying = join(this.dir, `${task.id}.applying`);
    if (this.statuses.get(task.id)?.state === "done" || (task.bodyFile && !existsSync(task.bodyFile) && !existsSync(applying))) return;
    if (existsSync(applying) && readFileSync(applying, "utf8") !== (await this.mark(engine, task))) {
      // Applied before the crash (or replaced by a later write since): not again.
      this.finish(task, { state: "done" });
      return;
    }
    // The mark is whole in <task>.applying or not there at all (written aside, then renamed): a crash
    // while writing it must not leave a mark that reads as "changed since" and drops the write.
    const mark = await this.mark(engine, task);
    replaceFile(applying, (fd) => writeSync(fd, mark));
    const requester = task.requester;
    const req: S3Request = {
      operation: task.op, method: task.op === "PutObject" ? "PUT" : "DELETE", query: new URLSearchParams(),
      params: { bucket: task.bucket, key: task.key, ...(task.versionId !== undefined ? { versionId: task.versionId } : {}) } as never,
      headers: new Headers({ ...task.headers, ...(task.op === "PutObject" ? { "content-length": String(task.size ?? 0) } : {}) }),
      body: task.bodyFile ? Bun.file(task.bodyFile).stream() : null,
      auth: { requester, payload: { kind: "unsigned" } }, requester, engine, requestId: task.id, keysAllowed: () => false,
    };
    try {
      const decided = { ...(task.granted ? { granted: new Set(task.granted as Permission[]) } : {}), ...(task.publicAccess ? { publicAccess: task.publicAccess } : {}) };
      await withRequest({ id: task.id, requester: requester?.id ?? "", sourceIp: "", ...decided }, () => OPERATIONS[task.op](req as never));
      this.finish(task, { state: "done" });
    } catch (err) {
      const e = toS3Error(err);
      // The engine could not answer: the task stays queued and comes again. Anything else is the write's own answer.
      if (e.status >= 500) {
        this.log.error("queued write not applied; it stays queued", { task: task.id, op: task.op, bucket: task.bucket, key: task.key, err });
        throw err;
      }
      this.log.warn("queued write failed", { task: task.id, op: task.op, bucket: task.bucket, key: task.key, error: e.code });
      this.finish(task, { state: "failed", error: { code: e.code, message: e.message } });
    }
  }

  private finish(task: Task, state: State): void {
    if (task.bodyFile) rmSync(task.bodyFile, { force: true });
    rmSync(join(this.dir, `${task.id}.applying`), { force: true });
    rmSync(tempOf(join(this.dir, `${task.id}.applying`)), { force: true });
    this.setStatus(task.id, state);
  }
}

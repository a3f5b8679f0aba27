// The load of a cluster fault run: `clients` workers going round the nodes' S3 clients with PUT (40%),
// GET (40%), DELETE (10%), CopyObject (5%) and a one-part multipart upload (5%) over `keys` keys for
// `seconds`, while `faults` runs; every operation recorded for helpers/history.ts. Then the final state,
// read through every node (they must agree).
import { expect } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand,
  UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { check, type Op, type Verdict } from "./history.ts";

const md5 = (s: string | Buffer) => new Bun.CryptoHasher("md5").update(s).digest("hex");

export interface FaultRun { verdict: Verdict; failures: Map<string, number>; finals: Map<string, string> }

/** S3 clients that make each request once (no SDK retries): the outcome recorded is the request's own. */
export function onceClients(clients: S3Client[]): S3Client[] {
  for (const c of clients) (c.config as { maxAttempts?: unknown }).maxAttempts = async () => 1;
  return clients;
}

export async function faultRun(o: { clients: S3Client[]; bucket: string; seconds: number; keys: number; workers: number; faults: () => Promise<unknown> }): Promise<FaultRun> {
  const { clients, bucket } = o;
  const history: Op[] = [];
  const failures = new Map<string, number>();
  const byEtag = new Map<string, string>();
  let round = 0;
  const pick = () => clients[round++ % clients.length]!;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  const now = () => performance.now() - started;
  const record = async (op: Omit<Op, "invoke" | "complete" | "ok">, run: (s3: S3Client) => Promise<string | undefined | void>) => {
    const invoke = now();
    try {
      const got = await run(pick());
      history.push({ ...op, ...(got !== undefined ? { value: got } : {}), invoke, complete: now(), ok: true });
    } catch (err) {
      if (op.kind === "read" && (err as { name?: string }).name === "NoSuchKey") {
        history.push({ ...op, value: "", invoke, complete: now(), ok: true });
        return;
      }
      // Unknown outcome; the worker carries on. A copy that failed may have copied anything.
      history.push({ ...op, invoke, complete: now(), ok: false, ...(op.value === undefined && op.kind === "write" ? { anyValue: true } : {}) });
      const why = String((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? (err as Error).name);
      failures.set(why, (failures.get(why) ?? 0) + 1);
    }
  };
  const worker = async (w: number) => {
    for (let n = 0; performance.now() < deadline; n++) {
      const key = `k${Math.floor(Math.random() * o.keys)}`;
      const roll = Math.random();
      if (roll < 0.4) {
        const value = `${w}-${n}-${crypto.randomUUID()}`.repeat(8);
        byEtag.set(md5(value), value);
        await record({ key, kind: "write", value }, (s3) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: value })).then(() => undefined));
      } else if (roll < 0.8) {
        await record({ key, kind: "read", value: undefined }, async (s3) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
      } else if (roll < 0.9) {
        await record({ key, kind: "write", value: "" }, (s3) => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).then(() => undefined));
      } else if (roll < 0.95) {
        const source = `k${Math.floor(Math.random() * o.keys)}`;
        if (source === key) continue;
        await record({ key, kind: "write", value: undefined }, async (s3) => {
          const r = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${source}` }));
          const value = byEtag.get(r.CopyObjectResult!.ETag!.replace(/"/g, ""));
          if (value === undefined) throw new Error("a copy made a value no write made");
          return value;
        });
      } else {
        const value = `mp-${w}-${n}-${crypto.randomUUID()}`.repeat(8);
        byEtag.set(`${md5(Buffer.from(md5(value), "hex"))}-1`, value);
        await record({ key, kind: "write", value }, async (s3) => {
          const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
          const p = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: value }));
          await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
        });
      }
    }
  };
  await Promise.all([...Array.from({ length: o.workers }, (_, w) => worker(w)), o.faults()]);
  const finals = new Map<string, string>();
  for (let i = 0; i < o.keys; i++) {
    const key = `k${i}`;
    const seen = await Promise.all(clients.map(async (s3) => {
      try {
        return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return "";
        throw err;
      }
    }));
    expect(new Set(seen).size).toBe(1);
    finals.set(key, seen[0]!);
  }
  return { verdict: check(history, finals), failures, finals };
}

export const describeRun = (label: string, r: FaultRun) =>
  `${label}: ${r.verdict.ops} operations, ${r.verdict.acknowledged} acknowledged (${r.verdict.reads} reads), ${r.verdict.failed} failed (${[...r.failures].map(([s, n]) => `${s}: ${n}`).join(", ")}), violations ${r.verdict.violations.length}`;

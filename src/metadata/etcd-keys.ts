// The etcd engine's key layout, under `<prefix>/` (metadata.etcd.prefix). etcd orders keys by their
// bytes, which is S3's listing order, so a bucket's current versions are one range. Bucket names hold
// no "/", so `o/<bucket>/` is a bucket's own range whatever its keys hold; object keys inside other
// keys are base64url (no "/"), so `v/<bucket>/<key>/` is one key's versions.
//   b/<bucket>                    the bucket record
//   s/<bucket>/<shard>            statistics, 64 shards (a write picks one at random): {objects, bytes, versions, uploads}
//   o/<bucket>/<key>              the key's current version (which may be a delete marker)
//   v/<bucket>/<key64>/<sortkey>  noncurrent versions, newest first
//   c/<access key>                credentials
//   u/<upload id>, w/<bucket>/<upload id>   uploads (by id; by bucket for listing)
//   p/<upload id>/<00001>         parts
//   x/<upload id>                 an upload completed or aborted whose parts are still to free
//   i/<storage id>                every storage id a record points at (orphan reconciliation)
//   e/p/<seq>, e/h/<seq>          the outbox: pending events, and delivered history
//   r/<kind>/<id>                 small records (getRecord: the key manager's keys)
//   n/<node id>                   cluster nodes (leased)
//   l/<job>                       which node runs a background job (leased)
import type { Compare, EtcdClient, KV, Op } from "./etcd-client.ts";
import type { EngineEvent } from "./events.ts";
import { retryRaces } from "./races.ts";

export const SHARDS = 64;
const key64 = (key: string) => Buffer.from(key).toString("base64url");
export const pad = (n: number, width: number) => String(n).padStart(width, "0");

export function keys(prefix: string) {
  const p = prefix.replace(/\/+$/, "");
  return {
    buckets: `${p}/b/`,
    bucket: (name: string) => `${p}/b/${name}`,
    stats: `${p}/s/`,
    statsOf: (bucket: string) => `${p}/s/${bucket}/`,
    stat: (bucket: string, shard: number) => `${p}/s/${bucket}/${pad(shard, 2)}`,
    objects: (bucket: string) => `${p}/o/${bucket}/`,
    object: (bucket: string, key: string) => `${p}/o/${bucket}/${key}`,
    versions: (bucket: string, key: string) => `${p}/v/${bucket}/${key64(key)}/`,
    version: (bucket: string, key: string, sortKey: string) => `${p}/v/${bucket}/${key64(key)}/${sortKey}`,
    credentials: `${p}/c/`,
    credential: (accessKey: string) => `${p}/c/${accessKey}`,
    uploads: `${p}/u/`,
    upload: (id: string) => `${p}/u/${id}`,
    uploadsOf: (bucket: string) => `${p}/w/${bucket}/`,
    uploadOf: (bucket: string, id: string) => `${p}/w/${bucket}/${id}`,
    parts: (id: string) => `${p}/p/${id}/`,
    part: (id: string, n: number) => `${p}/p/${id}/${pad(n, 5)}`,
    cleanups: `${p}/x/`,
    cleanup: (id: string) => `${p}/x/${id}`,
    storageId: (sid: string) => `${p}/i/${sid}`,
    pending: `${p}/e/p/`,
    pendingEvent: (seq: number) => `${p}/e/p/${pad(seq, 16)}`,
    history: `${p}/e/h/`,
    historyEvent: (seq: number) => `${p}/e/h/${pad(seq, 16)}`,
    records: (kind: string) => `${p}/r/${kind}/`,
    record: (kind: string, id: string) => `${p}/r/${kind}/${id}`,
    nodes: `${p}/n/`,
    node: (id: string) => `${p}/n/${id}`,
    lead: (job: string) => `${p}/l/${job}`,
  };
}
export type Keys = ReturnType<typeof keys>;

/**
 * The statistics shard a write adds its change to: any of them (a bucket's figures are their sum), picked
 * at random per attempt, so concurrent writes — to one key or to many — rarely meet on one.
 */
export const anyShard = (): number => Math.floor(Math.random() * SHARDS);

export interface Stats { objects: number; bytes: number; versions: number; uploads: number }
export const noStats = (): Stats => ({ objects: 0, bytes: 0, versions: 0, uploads: 0 });

export function parse<T>(kv: KV | undefined): T | null {
  return kv ? (JSON.parse(kv.value) as T) : null;
}

/** The condition that a key is as it was read: same mod revision (0: still absent). */
export const unchanged = (key: string, kv: KV | undefined): Compare => ({ key, target: "MOD", revision: kv?.modRevision ?? 0 });

/** A transaction that lost a race: read and decided again. */
export class Lost extends Error {}

/**
 * Runs a step again while it loses races, as the other network engines do. etcd between leaders is
 * the client's to ride out (another member); if none answers, the request gets 503 and nothing changed.
 */
export function optimistic<T>(step: () => Promise<T>): Promise<T> {
  return retryRaces(step, (err) => err instanceof Lost);
}

/** Commits or throws Lost. */
export async function commit(etcd: EtcdClient, compares: Compare[], ops: Parameters<EtcdClient["txn"]>[1]): Promise<void> {
  if (!(await etcd.txn(compares, ops))) throw new Lost("an etcd transaction lost a race");
}

/** What one object write adds to its transaction (a multipart Complete's upload records). */
export interface WriteExtra {
  events?: EngineEvent[];
  compares?: Compare[];
  ops?: Op[];
  /** Change to the uploads counter (-1 when an upload completes). */
  uploads?: number;
}

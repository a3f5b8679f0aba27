// The console's server page and event tail, for an operator's key (unlimited, or consoleAdmin): this
// node's traffic over the last hour and the stored totals, the health of the metadata engine, the
// storage backend, the queue and each notification target, the cluster's nodes, the disk of the data
// directory, the running configuration without secrets; and the committed changes as they happen
// (the engine's outbox, so every node's writes), filtered by bucket and key prefix.
import { statfsSync } from "node:fs";
import type { Engine } from "../../core/engine.ts";
import type { QueueState } from "../../queue/delivery.ts";
import type { HistoryView } from "../metrics-history.ts";
import { eventsPage, notificationTargets } from "../admin-events.ts";
import { componentHealth } from "../ops.ts";
import type { S3Metrics } from "../s3-metrics.ts";
import { json, refused } from "./json-body.ts";
import { isOperator } from "./keys.ts";
import type { Session } from "./session.ts";

export interface ServerView {
  engine: Engine;
  metrics: S3Metrics;
  /** Worker processes: the charts of all of them (else this process's, from `metrics`). */
  history?: () => Promise<HistoryView>;
  /** The queue's state as the process that delivers events sees it. */
  queue?: () => Promise<QueueState>;
  cluster?: { status(): Promise<unknown> };
  /** The configuration without secrets (config-view.ts). */
  config: unknown;
  /** The data directory, whose filesystem's space is shown. */
  dataDir: string;
  version: string;
}

const notOperator = () => refused(403, "The server's page needs a key without a policy of its own, or with consoleAdmin.");

function disk(dir: string): { total: number; free: number } | null {
  try {
    const s = statfsSync(dir);
    return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
  } catch {
    return null;
  }
}

export async function serverPage(v: ServerView, session: Session): Promise<Response> {
  if (!(await isOperator(v.engine, session))) return notOperator();
  const [health, cluster, queue, history] = await Promise.all([
    componentHealth(v.engine), v.cluster?.status().catch((err: unknown) => ({ error: (err as Error).message })), v.queue?.(), v.history?.(),
  ]);
  return json({
    version: v.version, uptimeSeconds: Math.round(process.uptime()), metrics: history ?? v.metrics.history?.view() ?? { intervalSeconds: 10, traffic: [], stored: [] }, disk: disk(v.dataDir), health,
    queue: queue?.health ?? null, targets: notificationTargets(v.engine, queue?.lanes ?? [], v.engine.region), cluster: cluster ?? null, config: v.config,
  });
}

/** GET …/api/events?after=&bucket=&prefix=&wait_ms=: the outbox after a position (-1 or none: from now), filtered. */
export async function eventTail(v: ServerView, session: Session, url: URL): Promise<Response> {
  if (!(await isOperator(v.engine, session))) return notOperator();
  const q = Object.fromEntries(url.searchParams);
  const page = await eventsPage(v.engine, { ...(q.after !== undefined ? { after: q.after } : {}), limit: "200", wait_ms: q.wait_ms ?? "0" });
  const bucket = q.bucket ?? "";
  const prefix = q.prefix ?? "";
  const events = page.events.filter((e) => {
    const data = e.data as { bucket?: string; key?: string };
    return (!bucket || data.bucket === bucket) && (!prefix || (data.key ?? "").startsWith(prefix));
  }).map((e) => ({ seq: e.seq, id: e.id, type: e.type, time: e.timestamp, data: e.data }));
  return json({ events, next: page.next });
}

// This node in a cluster (cluster.enabled): registered in the shared metadata engine (store.ts) and
// kept alive by a heartbeat every third of cluster.lease_ttl_seconds, so a node that dies disappears
// within the TTL. Background jobs (event delivery, the multipart reaper, orphan reconciliation) run on
// one node at a time: the node that holds the job's entry; when it dies the entry lapses and the next
// node that asks takes the job.
import type { Logger } from "../log.ts";
import type { ClusterStore, NodeRecord } from "./store.ts";

export type { NodeRecord };

export class ClusterNode {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly record: NodeRecord;
  /** Jobs this node held at its last check, and when that check was (a holder re-checks within a third of the TTL). */
  private readonly held = new Map<string, number>();
  /** Data younger than this may be another node's write in flight: reconciliation leaves it. */
  readonly reconcileGraceMs: number;

  constructor(
    private readonly store: ClusterStore, readonly id: string, version: string,
    private readonly ttlSeconds: number, private readonly log: Logger, reconcileGraceSeconds = 60,
  ) {
    const now = new Date().toISOString();
    this.record = { id, version, startedAt: now, heartbeat: now, urls: [] };
    this.reconcileGraceMs = reconcileGraceSeconds * 1000;
  }

  /** Registers this node, then keeps it alive. */
  async start(): Promise<void> {
    await this.store.heartbeat(this.record, this.ttlSeconds);
    this.timer = setInterval(() => void this.heartbeat(), (this.ttlSeconds * 1000) / 3);
    this.timer.unref?.();
  }

  setUrls(urls: string[]): void {
    this.record.urls = urls;
  }

  private async heartbeat(): Promise<void> {
    try {
      this.record.heartbeat = new Date().toISOString();
      // A registration that lapsed (this node was cut off longer than the TTL) took its jobs with it.
      if (!(await this.store.heartbeat(this.record, this.ttlSeconds))) {
        this.log.warn("cluster registration had lapsed; registered again", { node: this.id });
        this.held.clear();
      }
    } catch (err) {
      this.log.warn("cluster heartbeat failed", { node: this.id, err });
    }
  }

  /** Whether this node runs `job` now: it holds it, or takes it when no live node does. */
  async leads(job: string): Promise<boolean> {
    const checked = this.held.get(job);
    if (checked !== undefined && Date.now() - checked < (this.ttlSeconds * 1000) / 3) return true;
    try {
      if (await this.store.claim(job, this.id, this.ttlSeconds)) {
        if (checked === undefined) this.log.info("cluster job taken", { job, node: this.id });
        this.held.set(job, Date.now());
        return true;
      }
    } catch (err) {
      this.log.warn("cluster job check failed", { job, err });
    }
    this.held.delete(job);
    return false;
  }

  /** The jobs this node holds now (as of its last check). */
  heldJobs(): string[] {
    const fresh = Date.now() - this.ttlSeconds * 1000;
    return [...this.held].filter(([, at]) => at > fresh).map(([job]) => job);
  }

  /** Every live node, which node holds each job, and the engine's own state. */
  async status(): Promise<{ node: string; nodes: NodeRecord[]; jobs: Record<string, string>; engine: unknown }> {
    const [nodes, jobs, engine] = await Promise.all([this.store.nodes(), this.store.jobs(), this.store.engineState()]);
    return { node: this.id, nodes, jobs, engine };
  }
}

// This node in a cluster (cluster.enabled): registered in etcd under n/<node id> with a lease that it
// keeps alive (the record's heartbeat is refreshed with it), so a node that dies disappears within
// cluster.lease_ttl_seconds. Background jobs (event delivery, the multipart reaper, orphan
// reconciliation) run on one node at a time: the node that holds the leased key l/<job>; when it
// dies its lease ends and the next node that asks takes the job.
import type { EtcdClient } from "../metadata/etcd-client.ts";
import type { Keys } from "../metadata/etcd-keys.ts";
import type { Logger } from "../log.ts";

export interface NodeRecord {
  id: string;
  version: string;
  startedAt: string;
  heartbeat: string;
  /** Where this node serves (its listening URLs). */
  urls: string[];
}

export class ClusterNode {
  private lease = "";
  private timer: ReturnType<typeof setInterval> | undefined;
  private record: NodeRecord;
  /** Jobs this node held at its last check, and when that check was (a holder re-checks within a third of the TTL). */
  private readonly held = new Map<string, number>();
  /** Data younger than this may be another node's write in flight: reconciliation leaves it. */
  readonly reconcileGraceMs: number;

  constructor(
    private readonly etcd: EtcdClient, private readonly k: Keys, readonly id: string, version: string,
    private readonly ttlSeconds: number, private readonly log: Logger, reconcileGraceSeconds = 60,
  ) {
    this.reconcileGraceMs = reconcileGraceSeconds * 1000;
    const now = new Date().toISOString();
    this.record = { id, version, startedAt: now, heartbeat: now, urls: [] };
  }

  /** Registers this node (and a lease all it holds hangs on); then keeps it alive. */
  async start(urls: string[] = []): Promise<void> {
    this.record.urls = urls;
    await this.register();
    this.timer = setInterval(() => void this.heartbeat(), (this.ttlSeconds * 1000) / 3);
    this.timer.unref?.();
  }

  setUrls(urls: string[]): void {
    this.record.urls = urls;
  }

  private async register(): Promise<void> {
    this.lease = await this.etcd.leaseGrant(this.ttlSeconds);
    this.held.clear();
    await this.putRecord();
  }

  private async putRecord(): Promise<void> {
    this.record.heartbeat = new Date().toISOString();
    await this.etcd.txn([], [{ put: { key: this.k.node(this.id), value: JSON.stringify(this.record), lease: this.lease } }]);
  }

  private async heartbeat(): Promise<void> {
    try {
      // A lease that expired (this node was cut off longer than the TTL) is gone with what it held: start again.
      if (!(await this.etcd.leaseKeepAlive(this.lease))) {
        this.log.warn("cluster lease expired; registering again", { node: this.id });
        await this.register();
        return;
      }
      await this.putRecord();
    } catch (err) {
      this.log.warn("cluster heartbeat failed", { node: this.id, err });
    }
  }

  /** Whether this node runs `job` now: it holds l/<job>, or takes it when no node does. */
  async leads(job: string): Promise<boolean> {
    if (!this.lease) return false;
    const checked = this.held.get(job);
    if (checked !== undefined && Date.now() - checked < (this.ttlSeconds * 1000) / 3) return true;
    const key = this.k.lead(job);
    try {
      const took = await this.etcd.txn([{ key, target: "CREATE", revision: 0 }], [{ put: { key, value: this.id, lease: this.lease } }]);
      const holder = took ? this.id : (await this.etcd.get(key))?.value;
      if (holder === this.id) {
        if (!took && checked === undefined) this.log.info("cluster job held", { job, node: this.id });
        if (took) this.log.info("cluster job taken", { job, node: this.id });
        this.held.set(job, Date.now());
        return true;
      }
    } catch (err) {
      this.log.warn("cluster job check failed", { job, err });
    }
    this.held.delete(job);
    return false;
  }

  /** Every registered node (those whose lease is alive), which node holds each job, and etcd's members and leader. */
  async status(): Promise<{ node: string; nodes: NodeRecord[]; jobs: Record<string, string>; etcd: unknown }> {
    const nodes: NodeRecord[] = [];
    for await (const kv of this.etcd.all(this.k.nodes)) nodes.push(JSON.parse(kv.value) as NodeRecord);
    const jobs: Record<string, string> = {};
    const prefix = this.k.lead("");
    for await (const kv of this.etcd.all(prefix)) jobs[kv.key.slice(prefix.length)] = kv.value;
    const state = await this.etcd.clusterState().catch((err: unknown) => ({ error: String((err as Error)?.message ?? err) }));
    const etcd = "members" in state
      ? { leader: state.members.find((m) => m.id === state.leader)?.name ?? state.leader, members: state.members.map((m) => ({ name: m.name, clientURLs: m.clientURLs })) }
      : state;
    return { node: this.id, nodes, jobs, etcd };
  }
}

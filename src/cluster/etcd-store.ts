// The cluster's records on etcd: n/<node id> and l/<job>, both put with this node's lease, which the
// heartbeat keeps alive; a node that dies takes its registration and its jobs with its lease.
import type { EtcdClient } from "../metadata/etcd-client.ts";
import type { Keys } from "../metadata/etcd-keys.ts";
import type { ClusterStore, NodeRecord } from "./store.ts";

export class EtcdClusterStore implements ClusterStore {
  private lease = "";

  constructor(private readonly etcd: EtcdClient, private readonly k: Keys) {}

  async heartbeat(record: NodeRecord, ttlSeconds: number): Promise<boolean> {
    let renewed = this.lease !== "" && (await this.etcd.leaseKeepAlive(this.lease));
    if (!renewed) {
      const lapsed = this.lease !== "";
      this.lease = await this.etcd.leaseGrant(ttlSeconds);
      renewed = !lapsed;
    }
    await this.etcd.txn([], [{ put: { key: this.k.node(record.id), value: JSON.stringify(record), lease: this.lease } }]);
    return renewed;
  }

  async claim(job: string, node: string): Promise<boolean> {
    if (!this.lease) return false;
    const key = this.k.lead(job);
    const took = await this.etcd.txn([{ key, target: "CREATE", revision: 0 }], [{ put: { key, value: node, lease: this.lease } }]);
    return took || (await this.etcd.get(key))?.value === node;
  }

  async nodes(): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    for await (const kv of this.etcd.all(this.k.nodes)) out.push(JSON.parse(kv.value) as NodeRecord);
    return out;
  }

  async jobs(): Promise<Record<string, string>> {
    const jobs: Record<string, string> = {};
    const prefix = this.k.lead("");
    for await (const kv of this.etcd.all(prefix)) jobs[kv.key.slice(prefix.length)] = kv.value;
    return jobs;
  }

  async engineState(): Promise<unknown> {
    try {
      const state = await this.etcd.clusterState();
      return { leader: state.members.find((m) => m.id === state.leader)?.name ?? state.leader, members: state.members.map((m) => ({ name: m.name, clientURLs: m.clientURLs })) };
    } catch (err) {
      return { error: String((err as Error)?.message ?? err) };
    }
  }
}

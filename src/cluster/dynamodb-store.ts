// The cluster's records in the DynamoDB metadata table: partition `cluster-node` (a node's record and
// its expiry, `exp`, ms) and `cluster-job` (the holder and its expiry). A job is taken by a conditional
// put — absent, expired, or already this node's — so two nodes never both hold it while it is alive.
import { Cancelled, N, record, S, type Table, writer } from "../metadata/dynamodb-table.ts";
import type { ClusterStore, NodeRecord } from "./store.ts";

const NODES = "cluster-node";
const JOBS = "cluster-job";

export class DynamoClusterStore implements ClusterStore {
  constructor(private readonly table: Table) {}

  async heartbeat(r: NodeRecord, ttlSeconds: number): Promise<boolean> {
    const w = writer(this.table.name);
    const now = Date.now();
    // Renewed while its registration is alive; a lapsed one (this node was cut off) is made again.
    try {
      await this.table.transact([w.put(NODES, r.id, r, { extra: { exp: N(now + ttlSeconds * 1000) }, condition: "attribute_not_exists(pk) OR exp > :now", values: { ":now": N(now) } })]);
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err;
      await this.table.transact([w.put(NODES, r.id, r, { extra: { exp: N(now + ttlSeconds * 1000) } })]);
      return false;
    }
    return true;
  }

  async claim(job: string, node: string, ttlSeconds: number): Promise<boolean> {
    const w = writer(this.table.name);
    const now = Date.now();
    try {
      await this.table.transact([w.put(JOBS, job, { holder: node }, {
        extra: { holder: S(node), exp: N(now + ttlSeconds * 1000) },
        condition: "attribute_not_exists(pk) OR exp < :now OR holder = :me", values: { ":now": N(now), ":me": S(node) },
      })]);
      return true;
    } catch (err) {
      if (err instanceof Cancelled) return false;
      throw err;
    }
  }

  async nodes(): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    const now = Date.now();
    for await (const item of this.table.all(NODES)) if (Number(item.exp?.N ?? 0) > now) out.push(record<NodeRecord>(item)!);
    return out;
  }

  async jobs(): Promise<Record<string, string>> {
    const jobs: Record<string, string> = {};
    const now = Date.now();
    for await (const item of this.table.all(JOBS)) if (Number(item.exp?.N ?? 0) > now) jobs[item.sk!.S!] = item.holder!.S!;
    return jobs;
  }

  async engineState(): Promise<unknown> {
    return { engine: "dynamodb", table: this.table.name };
  }
}

// Where a cluster keeps its nodes and who runs each background job: in the shared metadata engine,
// each entry alive for a TTL that its node keeps renewing (etcd: a lease; DynamoDB: an expiry time
// checked in a conditional write). A node that stops renewing is gone, and its jobs free, after the TTL.

export interface NodeRecord {
  id: string;
  version: string;
  startedAt: string;
  heartbeat: string;
  /** Where this node serves (its listening URLs). */
  urls: string[];
}

export interface ClusterStore {
  /** Registers or renews this node's record for `ttlSeconds`; false if its earlier registration had lapsed. */
  heartbeat(record: NodeRecord, ttlSeconds: number): Promise<boolean>;
  /** Takes `job` for `node` (free, lapsed or already its own) for `ttlSeconds`; whether `node` holds it. */
  claim(job: string, node: string, ttlSeconds: number): Promise<boolean>;
  nodes(): Promise<NodeRecord[]>;
  jobs(): Promise<Record<string, string>>;
  /** The engine's own view of its health (etcd: members and leader). */
  engineState(): Promise<unknown>;
}

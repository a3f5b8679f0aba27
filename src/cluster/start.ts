// Joining a cluster at start-up (cluster.enabled): the node registers in the shared metadata engine
// (etcd) before recovery, so the background jobs recovery runs are already decided by lease.
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { MetadataStore } from "../metadata/store.ts";
import { EtcdMetadataStore } from "../metadata/etcd.ts";
import { ClusterNode } from "./node.ts";

export async function joinCluster(config: Config, metadata: MetadataStore, node: string, version: string, log: Logger): Promise<ClusterNode> {
  if (!(metadata instanceof EtcdMetadataStore)) throw new Error("cluster mode needs metadata.engine: etcd");
  const cluster = new ClusterNode(metadata.etcd, metadata.k, node, version, config.cluster.lease_ttl_seconds, log, config.cluster.reconcile_grace_seconds);
  await cluster.start();
  log.info("joined the cluster", { node });
  return cluster;
}

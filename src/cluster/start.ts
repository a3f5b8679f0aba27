// Joining a cluster at start-up (cluster.enabled): the node registers in the shared metadata engine
// (etcd, or the DynamoDB table or the Firestore database) before recovery, so the background jobs recovery runs are decided.
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { MetadataStore } from "../metadata/store.ts";
import { ClusterNode } from "./node.ts";
import type { ClusterStore } from "./store.ts";

async function clusterStore(metadata: MetadataStore): Promise<ClusterStore> {
  if (metadata.engine === "etcd") {
    const { EtcdMetadataStore } = await import("../metadata/etcd.ts");
    const { EtcdClusterStore } = await import("./etcd-store.ts");
    const etcd = metadata as InstanceType<typeof EtcdMetadataStore>;
    return new EtcdClusterStore(etcd.etcd, etcd.k);
  }
  if (metadata.engine === "dynamodb") {
    const { DynamoMetadataStore } = await import("../metadata/dynamodb.ts");
    const { DynamoClusterStore } = await import("./dynamodb-store.ts");
    await metadata.init();
    return new DynamoClusterStore((metadata as InstanceType<typeof DynamoMetadataStore>).clusterTable());
  }
  if (metadata.engine === "firestore") {
    const { FirestoreMetadataStore } = await import("../metadata/firestore.ts");
    const { FirestoreClusterStore } = await import("./firestore-store.ts");
    await metadata.init();
    return new FirestoreClusterStore((metadata as InstanceType<typeof FirestoreMetadataStore>).clusterDb());
  }
  throw new Error(`cluster mode needs a shared metadata engine: etcd, dynamodb or firestore (not ${metadata.engine})`);
}

export async function joinCluster(config: Config, metadata: MetadataStore, node: string, version: string, log: Logger): Promise<ClusterNode> {
  const cluster = new ClusterNode(await clusterStore(metadata), node, version, config.cluster.lease_ttl_seconds, log, config.cluster.reconcile_grace_seconds);
  await cluster.start();
  log.info("joined the cluster", { node });
  return cluster;
}

// The cluster's records in Firestore: C_cluster/node~<id> (a node's record and its expiry, `exp`, ms)
// and C_cluster/job~<name> (the holder and its expiry). Both written in a transaction that read them
// first, so a job is taken only while absent, expired or already this node's: two nodes never both
// hold it while it is alive (Firestore retries a transaction that lost a race).
import type { FsDb } from "../metadata/firestore-db.ts";
import type { ClusterStore, NodeRecord } from "./store.ts";

type Entry = { exp?: number; holder?: string; r?: string };

export class FirestoreClusterStore implements ClusterStore {
  constructor(private readonly fs: FsDb) {}

  private doc = (id: string) => this.fs.col("cluster").doc(id);

  async heartbeat(r: NodeRecord, ttlSeconds: number): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.doc(`node~${r.id}`);
      const now = Date.now();
      const before = (await tx.get(ref)).data() as Entry | undefined;
      tx.set(ref, { r: JSON.stringify(r), exp: now + ttlSeconds * 1000 });
      // Renewed while its registration is alive; a lapsed one (this node was cut off) is made again.
      return before === undefined || (before.exp ?? 0) > now;
    });
  }

  async claim(job: string, node: string, ttlSeconds: number): Promise<boolean> {
    return this.fs.run(async (tx) => {
      const ref = this.doc(`job~${job}`);
      const now = Date.now();
      const held = (await tx.get(ref)).data() as Entry | undefined;
      if (held && (held.exp ?? 0) >= now && held.holder !== node) return false;
      tx.set(ref, { holder: node, exp: now + ttlSeconds * 1000 });
      return true;
    });
  }

  private async alive(kind: "node" | "job"): Promise<Array<{ name: string; entry: Entry }>> {
    const snap = await this.fs.call(() => this.fs.col("cluster").get());
    const now = Date.now();
    return snap.docs.filter((d) => d.id.startsWith(`${kind}~`)).map((d) => ({ name: d.id.slice(kind.length + 1), entry: d.data() as Entry }))
      .filter(({ entry }) => (entry.exp ?? 0) > now);
  }

  async nodes(): Promise<NodeRecord[]> {
    return (await this.alive("node")).map(({ entry }) => JSON.parse(entry.r!) as NodeRecord);
  }

  async jobs(): Promise<Record<string, string>> {
    return Object.fromEntries((await this.alive("job")).map(({ name, entry }) => [name, entry.holder!]));
  }

  async engineState(): Promise<unknown> {
    return { engine: "firestore", collection: this.fs.col("cluster").id };
  }
}

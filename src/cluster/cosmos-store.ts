// The cluster's records in the Cosmos container, in a partition of their own ("~cluster"): node~<id>
// (a node's record and its expiry, `exp`, ms) and job~<name> (the holder and its expiry). A job is
// taken by creating its document (409 if another node did first) or by replacing it on the ETag that
// was read while it was expired or already this node's (412 if it changed since): two nodes never both
// hold it while it is alive.
import { Refused, type CosmosDb, type Doc } from "../metadata/cosmos-db.ts";
import type { ClusterStore, NodeRecord } from "./store.ts";

const PK = "~cluster";

export class CosmosClusterStore implements ClusterStore {
  constructor(private readonly db: CosmosDb) {}

  async heartbeat(r: NodeRecord, ttlSeconds: number): Promise<boolean> {
    const id = `node~${r.id}`;
    const now = Date.now();
    const before = await this.db.read(PK, id);
    await this.db.upsert({ id, pk: PK, t: "node", r: JSON.stringify(r), exp: now + ttlSeconds * 1000 });
    // Renewed while its registration is alive; a lapsed one (this node was cut off) is made again.
    return before === undefined || Number(before.exp ?? 0) > now;
  }

  async claim(job: string, node: string, ttlSeconds: number): Promise<boolean> {
    const id = `job~${job}`;
    const now = Date.now();
    const held = await this.db.read(PK, id);
    if (held && Number(held.exp ?? 0) >= now && held.holder !== node) return false;
    const doc: Doc = { id, pk: PK, t: "job", holder: node, exp: now + ttlSeconds * 1000 };
    const op = held
      ? { operationType: this.db.ops.Replace, id, resourceBody: doc, ifMatch: held._etag }
      : { operationType: this.db.ops.Create, resourceBody: doc };
    try {
      await this.db.batch(PK, [op as never]);
      return true;
    } catch (err) {
      if (err instanceof Refused) return false; // another node took or renewed it first
      throw err;
    }
  }

  private async alive(t: "node" | "job"): Promise<Doc[]> {
    const now = Date.now();
    return (await this.db.query("SELECT * FROM c WHERE c.t = @t", { "@t": t }, PK)).filter((d) => Number(d.exp ?? 0) > now);
  }

  async nodes(): Promise<NodeRecord[]> {
    return (await this.alive("node")).map((d) => JSON.parse(String(d.r)) as NodeRecord);
  }

  async jobs(): Promise<Record<string, string>> {
    return Object.fromEntries((await this.alive("job")).map((d) => [d.id.slice("job~".length), String(d.holder)]));
  }

  async engineState(): Promise<unknown> {
    return { engine: "cosmos", container: this.db.container.id };
  }
}

// The worker processes of one server (server.workers) as a cluster of one machine: their registrations
// and background-job leases in a small SQLite file beside the data (workers/leases.db), with the same
// rules as a cluster's (store.ts): an entry lives for a TTL its process keeps renewing. Leases are not
// data: the file is not synced (a crash of the machine frees every job, which is what it should do).
import { Database } from "bun:sqlite";
import type { ClusterStore, NodeRecord } from "./store.ts";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, record TEXT NOT NULL, expires INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS jobs (job TEXT PRIMARY KEY, holder TEXT NOT NULL, expires INTEGER NOT NULL);`;

function open(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF");
  db.exec(SCHEMA);
  return db;
}

/** A worker that is gone (its supervisor saw it exit): its registration and jobs are free at once. */
export function releaseNode(path: string, node: string): void {
  const db = open(path);
  try {
    db.transaction(() => {
      db.query("DELETE FROM nodes WHERE id = ?").run(node);
      db.query("DELETE FROM jobs WHERE holder = ?").run(node);
    }).immediate();
  } finally {
    db.close();
  }
}

/** Before the first worker starts: nothing left of the last run holds anything. */
export function releaseAll(path: string): void {
  const db = open(path);
  try {
    db.exec("DELETE FROM nodes; DELETE FROM jobs;");
  } finally {
    db.close();
  }
}

export class SqliteClusterStore implements ClusterStore {
  private readonly db: Database;
  private readonly q;

  constructor(private readonly path: string) {
    this.db = open(path);
    this.q = {
      node: this.db.query<{ expires: number }, [string]>("SELECT expires FROM nodes WHERE id = ?"),
      register: this.db.query("INSERT INTO nodes (id, record, expires) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record, expires = excluded.expires"),
      claim: this.db.query(
        `INSERT INTO jobs (job, holder, expires) VALUES ($job, $holder, $expires)
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
         WHERE jobs.holder = excluded.holder OR jobs.expires < $now`),
      nodes: this.db.query<{ record: string }, [number]>("SELECT record FROM nodes WHERE expires >= ? ORDER BY id"),
      jobs: this.db.query<{ job: string; holder: string }, [number]>("SELECT job, holder FROM jobs WHERE expires >= ? ORDER BY job"),
    };
  }

  async heartbeat(record: NodeRecord, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    return this.db.transaction(() => {
      const known = this.q.node.get(record.id);
      this.q.register.run(record.id, JSON.stringify(record), now + ttlSeconds * 1000);
      // A first registration is not a lapse; an expired one is.
      return known === null || known.expires >= now;
    }).immediate();
  }

  async claim(job: string, node: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    return this.q.claim.run({ job, holder: node, expires: now + ttlSeconds * 1000, now }).changes > 0;
  }

  async nodes(): Promise<NodeRecord[]> {
    return this.q.nodes.all(Date.now()).map((r) => JSON.parse(r.record) as NodeRecord);
  }

  async jobs(): Promise<Record<string, string>> {
    return Object.fromEntries(this.q.jobs.all(Date.now()).map((r) => [r.job, r.holder]));
  }

  async engineState(): Promise<unknown> {
    return { engine: "sqlite", leases: this.path };
  }
}

// The console's sign-in limit shared by worker processes (server.workers): failed sign-ins per client
// address counted in workers/leases.db, so five failures within a minute are five whichever workers
// the attempts reached. Only failures write (a sign-in that fails is already slow by design).
import { Database } from "bun:sqlite";
import type { SignInGate } from "./session.ts";

export class SharedSignInLimiter implements SignInGate {
  private readonly q;

  constructor(path: string, private readonly limit = 5, private readonly windowMs = 60_000) {
    const db = new Database(path, { create: true, strict: true });
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("CREATE TABLE IF NOT EXISTS sign_in_failures (address TEXT NOT NULL, at INTEGER NOT NULL)");
    db.exec("CREATE INDEX IF NOT EXISTS sign_in_failures_by_address ON sign_in_failures (address, at)");
    this.q = {
      count: db.query<{ n: number }, [string, number]>("SELECT count(*) AS n FROM sign_in_failures WHERE address = ? AND at > ?"),
      add: db.query("INSERT INTO sign_in_failures (address, at) VALUES (?, ?)"),
      prune: db.query("DELETE FROM sign_in_failures WHERE at <= ?"),
      clear: db.query("DELETE FROM sign_in_failures WHERE address = ?"),
    };
  }

  blocked(address: string): boolean {
    return (this.q.count.get(address, Date.now() - this.windowMs)?.n ?? 0) >= this.limit;
  }

  failed(address: string): void {
    const now = Date.now();
    this.q.prune.run(now - this.windowMs);
    this.q.add.run(address, now);
  }

  succeeded(address: string): void {
    this.q.clear.run(address);
  }
}

// The SQLite engine's small records (getRecord: the key manager's keys): one row per kind and id,
// written through the group commit like every other change.
import type { Database } from "bun:sqlite";
import type { RecordKind } from "./store.ts";

export const RECORDS_TABLE = "CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, id));";

export class SqliteRecords {
  private readonly q;

  constructor(db: Database, private readonly write: <T>(run: () => T) => Promise<T>) {
    this.q = {
      get: db.query<{ value: string }, [string, string]>("SELECT value FROM records WHERE kind = ? AND id = ?"),
      list: db.query<{ id: string; value: string }, [string]>("SELECT id, value FROM records WHERE kind = ? ORDER BY id"),
      insert: db.query("INSERT OR IGNORE INTO records (kind, id, value) VALUES (?, ?, ?)"),
      swap: db.query("UPDATE records SET value = ? WHERE kind = ? AND id = ? AND value = ?"),
      remove: db.query("DELETE FROM records WHERE kind = ? AND id = ? AND value = ?"),
    };
  }

  get(kind: RecordKind, id: string): string | null {
    return this.q.get.get(kind, id)?.value ?? null;
  }

  list(kind: RecordKind): Array<{ id: string; value: string }> {
    return this.q.list.all(kind);
  }

  put(kind: RecordKind, id: string, value: string, expected: string | null): Promise<boolean> {
    return this.write(() => (expected === null ? this.q.insert.run(kind, id, value) : this.q.swap.run(value, kind, id, expected)).changes > 0);
  }

  delete(kind: RecordKind, id: string, expected: string): Promise<boolean> {
    return this.write(() => this.q.remove.run(kind, id, expected).changes > 0);
  }
}

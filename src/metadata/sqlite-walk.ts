// A delimiter listing's skip scan run inside SQLite: one statement walks the (bucket, key) primary key
// from a start, and after each key that rolls up into a common prefix jumps straight past every key
// under that prefix, so a listing of N common prefixes is one query of N index seeks (about 1 µs each
// in SQLite's own loop) instead of N queries from JavaScript (about 4 µs each: measured on 10,000 keys
// in 100 prefixes, 113 against 408 µs a page for the seeks alone, 143 against 268 µs for the engine's
// whole listObjects). What the walk returns is what listing.ts's fill would read one seek at a time;
// listing.ts rolls it up exactly as it does for every engine.
//
// Keys are compared as SQLite compares TEXT (memcmp of UTF-8: S3's order), and cut as BLOBs, so byte
// positions and lengths hold for any key (NUL included). The first key past every key that starts
// with a common prefix P is the first key ≥ P || 0xF5: no UTF-8 byte after P is above 0xF4.
import type { Database, Statement } from "bun:sqlite";
import { toEntry, type EntryRow } from "./sqlite-objects.ts";
import type { ListEntry } from "./store.ts";
import type { Walk } from "./listing.ts";

/** The position (1-based) of the first delimiter (?4) in key `k` after the prefix (?3); 0 if none. */
const cutOf = (k: string) => `instr(substr(CAST(${k} AS BLOB), length(CAST(?3 AS BLOB)) + 1), CAST(?4 AS BLOB))`;

/**
 * ?1 bucket, ?2 start key, ?3 prefix, ?4 delimiter, ?5 rows at most; each row [key, rolls up]. `start`
 * is the first row's condition (key >= ?2 or key > ?2); `live` the row filter (current objects).
 */
function walkQuery(start: ">=" | ">", live: string): string {
  const next = (bound: string) => `(SELECT key FROM objects WHERE bucket = ?1 AND key ${bound} ${live} LIMIT 1)`;
  const common = `substr(CAST(w.k AS BLOB), 1, length(CAST(?3 AS BLOB)) + ${cutOf("w.k")} - 1 + length(CAST(?4 AS BLOB)))`;
  return `WITH RECURSIVE w(k, n) AS (
      SELECT ${next(`${start} ?2`)}, 1
      UNION ALL
      SELECT CASE WHEN ${cutOf("w.k")} > 0 THEN ${next(`>= CAST(${common} || x'F5' AS TEXT)`)} ELSE ${next("> w.k")} END, w.n + 1
      FROM w WHERE w.k IS NOT NULL AND w.n < ?5 AND substr(CAST(w.k AS BLOB), 1, length(CAST(?3 AS BLOB))) = CAST(?3 AS BLOB)
    )
    SELECT w.k, ${cutOf("w.k")} > 0 FROM w WHERE w.k IS NOT NULL ORDER BY w.n`;
}

export function prepareWalk(db: Database, live = "AND delete_marker = 0") {
  const from = db.query(walkQuery(">=", live)) as Statement<unknown, [string, string, string, string, number]>;
  const after = db.query(walkQuery(">", live)) as Statement<unknown, [string, string, string, string, number]>;
  /** The rows of `count` consecutive keys from `first` (a run of keys the walk found that stay keys). */
  const run = db.query(`SELECT key, size, etag, last_modified, storage_class, owner_id, owner_name, version_id, delete_marker
    FROM objects WHERE bucket = ? AND key >= ? ${live} ORDER BY key LIMIT ?`) as Statement<EntryRow, [string, string, number]>;
  /**
   * A key that rolls up comes as its key alone (the listing needs no more of it); each run of keys that
   * stay keys is read whole in one more query, in the same read transaction (one snapshot for both).
   */
  const walk = db.transaction((bucket: string, start: string, inclusive: boolean, prefix: string, delimiter: string, limit: number): ListEntry[] => {
    const rows = (inclusive ? from : after).values(bucket, start, prefix, delimiter, limit) as Array<[string, number]>;
    const out: ListEntry[] = [];
    for (let i = 0; i < rows.length;) {
      if (rows[i]![1]) {
        out.push(rolledUp(rows[i]![0]));
        i++;
        continue;
      }
      let end = i;
      while (end < rows.length && !rows[end]![1]) end++;
      for (const row of run.all(bucket, rows[i]![0], end - i)) out.push(toEntry(row));
      i = end;
    }
    return out;
  });
  return { walk };
}

/** The walk of one bucket's current objects, for listPage. */
export function walkOf(s: ReturnType<typeof prepareWalk>, bucket: string): Walk {
  return (from, inclusive, prefix, delimiter, limit) => s.walk(bucket, from, inclusive, prefix, delimiter, limit);
}

const rolledUp = (key: string): ListEntry => ({ key, size: 0, etag: "", lastModified: 0, storageClass: "", owner: { id: "", displayName: "" } });

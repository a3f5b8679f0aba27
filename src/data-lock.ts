// One server per data directory: whoever serves from it (the single process, or the supervisor of
// worker processes) holds an exclusive lock on <dir>/bleepstore.lock for as long as it runs; the
// kernel drops it when the process ends, however it ends (kill -9 included). A second server on the
// same directory stops at start with one line, whichever mode either of them runs in.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { StartupError } from "./startup.ts";

let held: Database | undefined;

export function lockDataDir(dir: string): void {
  if (held) return;
  const path = join(dir, "bleepstore.lock");
  const db = new Database(path, { create: true });
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    // The first write takes the lock, and exclusive mode keeps it after the commit.
    db.exec("BEGIN IMMEDIATE");
    db.exec("CREATE TABLE IF NOT EXISTS held (pid INTEGER)");
    db.exec("COMMIT");
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      throw new StartupError(`data directory ${dir} is in use by another process (is another BleepStore running on it?)`);
    }
    throw err;
  }
  held = db;
}

// The files of the local metadata engine under metadata.local.root_dir:
//   snapshot-<gen>.jsonl  the whole state at one instant (written to a temp file, fsynced, renamed)
//   log-<gen>.jsonl       every change made after snapshot <gen>, one JSON line each, appended
//   LOCK                  held by the process that owns the directory (see lockDirectory)
// The state is the newest snapshot, then the logs of its generation and after, in order. Compaction
// starts log <gen+1> at the instant it captures the state, then writes snapshot <gen+1>; files of
// older generations are removed only once that snapshot is in place, so a kill -9 at any point leaves
// a snapshot and logs that together hold every acknowledged change.
import { Database } from "bun:sqlite";
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { replaceFileAsync, syncDirectory } from "../durable-file.ts";
import { failpoint } from "../failpoint.ts";
import type { MemoryMetadataStore, MemoryState } from "./memory.ts";

const FORMAT = "bleepstore-local-metadata";
const NAME = /^(snapshot|log)-(\d{8})\.jsonl$/;

export const snapshotPath = (root: string, gen: number) => join(root, `snapshot-${String(gen).padStart(8, "0")}.jsonl`);
export const logPath = (root: string, gen: number) => join(root, `log-${String(gen).padStart(8, "0")}.jsonl`);

/** One line of a log: a MetadataStore method and its arguments, applied in order at replay. */
export interface LogLine {
  op: string;
  args: unknown[];
}

/**
 * Makes this process the directory's only writer until it exits (the kernel drops the lock of a
 * killed process): an exclusive SQLite lock on `LOCK`, a file lock that needs no clean-up.
 */
export function lockDirectory(root: string): Database {
  mkdirSync(root, { recursive: true });
  const path = join(root, "LOCK");
  const db = new Database(path, { create: true });
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS owner (pid INTEGER)");
    db.exec(`INSERT INTO owner (pid) VALUES (${process.pid})`);
    db.exec("DELETE FROM owner");
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      throw new Error(`metadata directory ${root} is in use by another process (is another BleepStore running on this data directory?)`);
    }
    throw err;
  }
  return db;
}

export interface Loaded {
  /** The generation new lines go to. */
  gen: number;
  /** Records in the snapshot loaded, and lines in the logs replayed after it. */
  snapshotRecords: number;
  logLines: number;
}

/** Loads the newest snapshot and replays the logs after it into `memory`; removes what is superseded. */
export function loadDirectory(root: string, memory: MemoryMetadataStore): Loaded {
  const files = readdirSync(root);
  for (const f of files) if (f.endsWith(".tmp")) rmSync(join(root, f), { force: true });
  const gens = { snapshot: [] as number[], log: [] as number[] };
  for (const f of files) {
    const m = NAME.exec(f);
    if (m) gens[m[1] as "snapshot" | "log"].push(Number(m[2]));
  }
  const base = Math.max(0, ...gens.snapshot);
  const snapshotRecords = base > 0 ? loadSnapshot(snapshotPath(root, base), memory) : 0;
  const logs = gens.log.filter((g) => g >= base).sort((a, b) => a - b);
  let logLines = 0;
  for (const gen of logs) logLines += replayLog(logPath(root, gen), memory);
  for (const g of gens.snapshot) if (g < base) rmSync(snapshotPath(root, g), { force: true });
  for (const g of gens.log) if (g < base) rmSync(logPath(root, g), { force: true });
  return { gen: Math.max(base, ...logs, 1), snapshotRecords, logLines };
}

function lines(path: string): { text: string; ends: number[] } {
  const text = readFileSync(path, "utf8");
  const ends: number[] = [];
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) ends.push(at);
  return { text, ends };
}

function loadSnapshot(path: string, memory: MemoryMetadataStore): number {
  const { text, ends } = lines(path);
  const line = (i: number) => JSON.parse(text.slice(i === 0 ? 0 : ends[i - 1]! + 1, ends[i]));
  const header = ends.length > 0 ? line(0) : undefined;
  const end = ends.length > 1 ? line(ends.length - 1) : undefined;
  if (header?.format !== FORMAT || header.version !== 1 || end?.end !== true || end.records !== ends.length - 2) {
    throw new Error(`metadata snapshot ${path} is not a complete BleepStore snapshot (remove it only if you have a backup)`);
  }
  for (let i = 1; i < ends.length - 1; i++) {
    const { k, v } = line(i);
    memory.load(k, v);
  }
  memory.loadSeq(end.seq);
  return end.records;
}

/**
 * Applies every whole line of a log; a last line cut short by a crash (no newline) is a write that
 * was never acknowledged: it is ignored and cut off, so new lines start clean.
 */
function replayLog(path: string, memory: MemoryMetadataStore): number {
  const { text, ends } = lines(path);
  const whole = ends.length > 0 ? ends.at(-1)! + 1 : 0;
  if (Buffer.byteLength(text.slice(whole)) > 0) {
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, whole)));
    } finally {
      closeSync(fd);
    }
  }
  for (let i = 0, start = 0; i < ends.length; start = ends[i]! + 1, i++) {
    let entry: LogLine;
    try {
      entry = JSON.parse(text.slice(start, ends[i]));
    } catch {
      throw new Error(`metadata log ${path} is damaged at line ${i + 1}`);
    }
    const apply = (memory as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[entry.op];
    if (typeof apply !== "function") throw new Error(`metadata log ${path} line ${i + 1}: unknown change "${entry.op}"`);
    // JSON turns an undefined argument into null; the methods take undefined for "not given".
    const args = entry.args.map((a) => (a === null ? undefined : a));
    const result = memory.replay(() => apply.apply(memory, args));
    if (Bun.peek.status(result) === "rejected") {
      throw new Error(`metadata log ${path} line ${i + 1}: ${entry.op} failed at replay: ${(Bun.peek(result) as Error).message}`);
    }
  }
  return ends.length;
}

/** Opens (creating) the log of `gen` for appending; its directory entry is durable before any line is. */
export function openLog(root: string, gen: number): number {
  const fd = openSync(logPath(root, gen), "a", 0o600);
  syncDirectory(root);
  return fd;
}

/** Writes a captured state as snapshot `gen`, a chunk at a time; then removes older generations. */
export async function writeSnapshot(root: string, gen: number, state: MemoryState): Promise<number> {
  const records = state.credentials.length + state.records.length + state.buckets.length + state.objects.length + state.uploads.length + state.parts.length + state.events.length;
  await replaceFileAsync(snapshotPath(root, gen), async (out) => {
    const kinds = [
      ["credential", state.credentials], ["record", state.records], ["bucket", state.buckets], ["object", state.objects],
      ["upload", state.uploads], ["part", state.parts], ["event", state.events],
    ] as const;
    let chunk: string[] = [JSON.stringify({ format: FORMAT, version: 1, gen })];
    let written = 0;
    for (const [k, values] of kinds) {
      for (const v of values) {
        chunk.push(JSON.stringify({ k, v }));
        const half = ++written === Math.ceil(records / 2);
        if (chunk.length >= 4096 || half) {
          await out.write(chunk.join("\n") + "\n");
          chunk = [];
          if (half) failpoint("local-compaction-half-written");
        }
      }
    }
    chunk.push(JSON.stringify({ end: true, records, seq: state.seq }));
    await out.write(chunk.join("\n") + "\n");
  });
  for (const f of readdirSync(root)) {
    const m = NAME.exec(f);
    if (m && Number(m[2]) < gen) rmSync(join(root, f), { force: true });
  }
  syncDirectory(root);
  return records;
}

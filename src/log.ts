// Structured JSON logs: one object per line on stderr, filtered by level. Never pass secrets here.
import type { LogLevel } from "./config.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

function describe(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    if (value.stack) out.stack = value.stack.split("\n").slice(0, 6).join("\n");
    if (value.cause !== undefined) out.cause = describe(value.cause);
    return out;
  }
  return value;
}

/**
 * Lines (to stderr unless told) in batches: everything logged in one turn of the event loop goes out in one write
 * (sooner once 64 KiB are waiting), instead of a write — and on a pipe a wake-up of its reader — per
 * line. Warnings and errors go out at once; whatever is waiting goes out when the process exits
 * normally (a kill -9 loses at most the current turn's request lines).
 */
/** The most a write to a pipe carries whole when several processes share it (Linux PIPE_BUF). */
export const PIPE_ATOMIC = 4096;

export function batched(write: (chunk: string) => void = (c) => process.stderr.write(c), most = 65_536): (line: string, urgent?: boolean) => void {
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === "") return;
    const chunk = pending;
    pending = "";
    write(chunk);
  };
  process.once("exit", flush);
  return (line, urgent) => {
    // A line that would carry the batch past `most` goes in the next one.
    if (pending.length + line.length > most) flush();
    pending += line;
    if (urgent || pending.length >= most) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

/** The time as an ISO string, made once per millisecond (a busy server logs many lines in each). */
let lastMs = 0;
let lastIso = "";
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * One line's JSON: time, level and msg first, then the fields in their order (undefined ones left
 * out). Fields holding no Error and none of those three names (a request's, every time) are
 * serialized as they are, in one JSON.stringify — the same text as the general way, at a fraction
 * of its cost on a line per request.
 */
function line(level: LogLevel, msg: string, fields?: Record<string, unknown>): string {
  const head = `{"time":"${isoNow()}","level":"${level}","msg":${JSON.stringify(msg)}`;
  if (!fields) return `${head}}`;
  let plain = true;
  for (const k in fields) {
    if (fields[k] instanceof Error || k === "time" || k === "level" || k === "msg") {
      plain = false;
      break;
    }
  }
  if (!plain) {
    const record: Record<string, unknown> = { time: isoNow(), level, msg };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) record[k] = describe(v);
    return JSON.stringify(record);
  }
  const rest = JSON.stringify(fields);
  return rest === "{}" ? `${head}}` : `${head},${rest.slice(1)}`;
}

export function createLogger(level: LogLevel, write?: (line: string, urgent?: boolean) => void): Logger {
  const min = RANK[level];
  const out = write ?? (min < RANK.silent ? batched() : () => {});
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < min) return;
    out(line(lvl, msg, fields) + "\n", RANK[lvl] >= RANK.warn);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    enabled: (lvl) => RANK[lvl] >= min,
  };
}

export const silentLogger: Logger = createLogger("silent");

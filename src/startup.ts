// What start-up checks before it opens anything, and how a failure is told: one line naming the
// path, port or key, never a stack trace. `--check` runs the same checks without serving.
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "./config.ts";
import { ConfigError } from "./config.ts";
import { S3Error } from "./errors.ts";

/** A start-up failure already worded for the operator. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** The local directories the configured engines write to. */
export function localDirs(config: Config): Array<{ what: string; dir: string }> {
  const dirs: Array<{ what: string; dir: string }> = [];
  if (config.metadata.engine === "sqlite") dirs.push({ what: "metadata directory", dir: dirname(config.metadata.sqlite.path) });
  if (config.metadata.engine === "local") dirs.push({ what: "metadata directory", dir: config.metadata.local.root_dir });
  if (config.storage.backend === "local") dirs.push({ what: "object directory", dir: config.storage.local.root_dir });
  if (config.storage.backend === "memory" && config.storage.memory.persistence === "snapshot") {
    dirs.push({ what: "snapshot directory", dir: dirname(config.storage.memory.snapshot_path) });
  }
  return dirs;
}

/** Creates each directory and proves it takes a small durable write. */
export function checkDirs(config: Config): void {
  for (const { what, dir } of localDirs(config)) {
    const path = resolve(dir);
    try {
      mkdirSync(path, { recursive: true });
    } catch (err) {
      throw new StartupError(`${what} ${path}: ${reason(err, path)}`);
    }
    if (!statSync(path).isDirectory()) throw new StartupError(`${what} ${path} is not a directory`);
    const probe = join(path, `.startup-probe-${process.pid}`);
    try {
      const fd = openSync(probe, "w");
      try {
        // A write (no fsync: it would cost start-up milliseconds) shows a full or read-only disk.
        writeSync(fd, new Uint8Array(64 * 1024));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw new StartupError(`${what} ${path} is not writable: ${reason(err, path)}`);
    } finally {
      rmSync(probe, { force: true });
    }
  }
  const sqlite = config.metadata.engine === "sqlite" ? resolve(config.metadata.sqlite.path) : "";
  if (sqlite) {
    let isDir = false;
    try {
      isDir = statSync(sqlite).isDirectory();
    } catch { /* absent: it will be created */ }
    if (isDir) throw new StartupError(`metadata file ${sqlite} is a directory`);
  }
}

function reason(err: unknown, path: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case "EEXIST":
    case "ENOTDIR": return `${e.path ?? path} is a file, not a directory`;
    case "EACCES":
    case "EPERM": return "permission denied";
    case "EROFS": return "read-only file system";
    case "ENOSPC": return "no space left on device";
    case "EDQUOT": return "disk quota exceeded";
    default: return firstLine(e.message ?? String(err));
  }
}

const firstLine = (s: string) => s.split("\n")[0]!.trim();

/** One line for any failure during start-up or a subcommand. */
export function describeFailure(err: unknown, config?: Config): string {
  if (err instanceof ConfigError || err instanceof StartupError) return err.message;
  if (err instanceof S3Error) return `error: ${err.message}`;
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (String(e?.code).startsWith("ERR_PARSE_ARGS")) return `${firstLine(e.message)} (see --help)`;
  if (e?.code === "EADDRINUSE" && config) return `port ${config.server.port} on ${config.server.host} is already in use (is another server running? set --port or server.port)`;
  if ((e?.code === "EACCES" || e?.code === "EPERM") && e.syscall === "listen" && config) {
    return `not allowed to listen on ${config.server.host}:${config.server.port} (ports below 1024 need privileges)`;
  }
  if (e?.code === "EADDRNOTAVAIL" && config) return `cannot listen on ${config.server.host}: no such address on this machine`;
  if (e?.code === "ENOSPC") return `no space left on device${e.path ? ` (${e.path})` : ""}`;
  return `failed to start: ${firstLine(e?.message ?? String(err))}`;
}

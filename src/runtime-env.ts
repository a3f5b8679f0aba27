// Imported first by the entry point. Two settings of the runtime are read only when the process
// starts, so when either is unset the process replaces itself once (execve: same pid, same stdio)
// with it set; nothing has been opened or listened on yet. A value the user set is kept.
//
// - UV_THREADPOOL_SIZE: Bun runs node:fs calls (every fsync of a durable write) on a thread pool with
//   one thread per core. A PUT waits in two fsyncs there (its file, its directory) and group commits
//   in a third, so on a small machine concurrent PUTs queued behind each other's fsyncs while the disk
//   could take them together.
// - BUN_JSC_forceRAMSize: JavaScriptCore sizes its heap from the machine's RAM, and on a host with
//   16 GiB or more it let 32 clients' small GETs grow the server to ~120 MiB; told the machine has at
//   most 8 GiB, the same load peaks at ~100 MiB at the same rate (measured 4–12 GiB: the same). Only
//   ever lowered, never raised: a smaller machine keeps its own size. A large heap (the local
//   metadata engine at 300,000 objects, ~1 GiB) starts as fast either way.

import { totalmem } from "node:os";

/** Threads for file-system calls; blocked in fsync most of the time, so more than cores. */
export const FS_THREADS = 32;
/** The most RAM JavaScriptCore is told the machine has. */
export const JSC_RAM_CAP = 8 * 1024 ** 3;

/** The variables to add to `env` (an empty object when nothing is missing). */
export function missingRuntimeEnv(env: Record<string, string | undefined>): Record<string, string> {
  const add: Record<string, string> = {};
  if (!env.UV_THREADPOOL_SIZE) add.UV_THREADPOOL_SIZE = String(FS_THREADS);
  if (!env.BUN_JSC_forceRAMSize) {
    const limit = process.constrainedMemory?.() || Infinity;
    add.BUN_JSC_forceRAMSize = String(Math.min(totalmem(), limit, JSC_RAM_CAP));
  }
  return add;
}

function restartWithRuntimeEnv(): void {
  if (process.platform === "win32" || typeof process.execve !== "function") return;
  const add = missingRuntimeEnv(process.env);
  if (Object.keys(add).length === 0) return;
  // A compiled executable is its own entry point; from source, Bun needs its flags and the script.
  const compiled = Bun.main.startsWith("/$bunfs/");
  const args = compiled ? process.argv.slice(2) : [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
  try {
    process.execve(process.execPath, [process.execPath, ...args], { ...process.env, ...add });
  } catch {
    // Not allowed here (a sandbox): run with Bun's defaults.
  }
}

restartWithRuntimeEnv();

// Imported first by the entry point. Bun runs node:fs calls (every fsync of a durable write) on a
// thread pool with one thread per core unless UV_THREADPOOL_SIZE says otherwise, and reads that
// variable only when the process starts. A PUT waits in two fsyncs there (its file, its directory)
// and group commits in a third, so on a small machine concurrent PUTs queue behind each other's
// fsyncs while the disk could take them together. When the variable is unset the process replaces
// itself once (execve: same pid, same stdio) with it set; nothing has been opened or listened on yet.

/** Threads for file-system calls; blocked in fsync most of the time, so more than cores. */
export const FS_THREADS = 32;

function restartWithThreadPool(): void {
  if (process.env.UV_THREADPOOL_SIZE || process.platform === "win32" || typeof process.execve !== "function") return;
  // A compiled executable is its own entry point; from source, Bun needs its flags and the script.
  const compiled = Bun.main.startsWith("/$bunfs/");
  const args = compiled ? process.argv.slice(2) : [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
  try {
    process.execve(process.execPath, [process.execPath, ...args], { ...process.env, UV_THREADPOOL_SIZE: String(FS_THREADS) });
  } catch {
    // Not allowed here (a sandbox): run with Bun's default pool.
  }
}

restartWithThreadPool();

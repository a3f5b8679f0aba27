// How a supervisor tells a process it started that it is one of the worker processes of
// server.workers: `<index>/<count>[/first]@<supervisor pid>` (1-based) in this variable, which has no
// BLEEPSTORE_ prefix (config refuses unknown ones). Read by the worker's set-up (workers/worker.ts) and
// the crash hooks.
export const WORKER_ENV = "_BLEEPSTORE_WORKER";

/** The supervisor that started this worker process (0 when this is no worker). */
export function supervisorOf(env: Record<string, string | undefined> = process.env): number {
  return Number(/@(\d+)$/.exec(env[WORKER_ENV] ?? "")?.[1] ?? 0);
}

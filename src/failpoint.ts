// Crash-test hooks: BLEEPSTORE_FAILPOINT=<name> makes the server kill itself (SIGKILL, no clean-up)
// when it reaches that point, so tests can prove a kill -9 there loses nothing. Read once at start;
// unset (always, in normal use) each hook costs one string comparison.
import { supervisorOf } from "./worker-env.ts";

const armed = process.env.BLEEPSTORE_FAILPOINT ?? "";

export type Failpoint = "complete-committed" | "memory-snapshot-half-written" | "local-compaction-half-written";

/**
 * A worker process (server.workers) takes its supervisor, and with it the whole server, down first —
 * the process that started it, and only while it is still its parent (never whatever adopted it since).
 */
const supervisor = supervisorOf();

export function failpoint(name: Failpoint): void {
  if (armed !== name) return;
  if (supervisor > 1 && process.ppid === supervisor) process.kill(supervisor, "SIGKILL");
  process.kill(process.pid, "SIGKILL");
}

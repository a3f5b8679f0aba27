// Crash-test hooks: BLEEPSTORE_FAILPOINT=<name> makes the process kill itself (SIGKILL, no clean-up)
// when it reaches that point, so tests can prove a kill -9 there loses nothing. Read once at start;
// unset (always, in normal use) each hook costs one string comparison.
const armed = process.env.BLEEPSTORE_FAILPOINT ?? "";

export type Failpoint = "complete-committed" | "memory-snapshot-half-written" | "local-compaction-half-written";

export function failpoint(name: Failpoint): void {
  if (armed === name) process.kill(process.pid, "SIGKILL");
}

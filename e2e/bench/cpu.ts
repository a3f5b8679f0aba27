// A process's CPU time so far (user + system, seconds), from /proc: what a benchmark charges a server
// with over a measured window.
import { readFileSync } from "node:fs";

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

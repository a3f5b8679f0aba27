// A server's CPU time so far (user + system, seconds) and its peak memory, from /proc: what a
// benchmark charges a server with over a measured window. A server with worker processes
// (server.workers) is its supervisor and every process under it: their figures are summed.
import { readFileSync } from "node:fs";
import { processTree } from "../helpers/process-tree.ts";

export { processTree };

function ownCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(stat[11]) + Number(stat[12])) / 100;
  } catch {
    return 0; // gone between listing and reading
  }
}

export function cpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + ownCpuSeconds(p), 0);
}

function treeMiB(pid: number, field: "VmHWM" | "VmRSS"): number {
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      kib += Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${p}/status`, "utf8"))![1]);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

/** The sum of the tree's processes' peak resident sets (VmHWM), MiB. */
export const peakMiB = (pid: number) => treeMiB(pid, "VmHWM");
/** The sum of the tree's processes' resident sets now (VmRSS), MiB. */
export const rssMiB = (pid: number) => treeMiB(pid, "VmRSS");

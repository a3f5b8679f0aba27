// A process and every process it started, and theirs, from /proc (Linux): a server with worker
// processes is its supervisor and the workers under it.
import { existsSync, readFileSync } from "node:fs";

/** `pid` and every process it started, and theirs. */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const path = `/proc/${tree[i]}/task/${tree[i]}/children`;
    if (!existsSync(path)) continue;
    for (const child of readFileSync(path, "utf8").trim().split(/\s+/)) if (child) tree.push(Number(child));
  }
  return tree;
}

/** Whether a process is still there (a zombie counts as gone: it holds nothing open). */
export function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

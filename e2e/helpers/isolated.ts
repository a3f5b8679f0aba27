// Emulators that cannot be told to listen on loopback only (DynamoDB Local listens on every interface)
// run inside a new network namespace (unshare -n) whose only interface is loopback: reachable from
// nowhere else. The test files that start them are `*.isolated.ts` files, which `bun test` does not
// pick up by itself; a normal test file runs them in the namespace with runIsolatedSuite.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** True inside a network namespace that has no interface but loopback. */
export const ISOLATED = (() => {
  const names = readFileSync("/proc/net/dev", "utf8").split("\n").slice(2).map((l) => l.split(":")[0]!.trim()).filter(Boolean);
  return names.length === 1 && names[0] === "lo";
})();

/** Whether this machine can make such a namespace (root and unshare), with a reason when not. */
export function isolationUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (for unshare -n)";
  if (spawnSync("unshare", ["-n", "true"]).status !== 0) return "unshare -n failed";
  if (spawnSync("sh", ["-c", "command -v ip"]).status !== 0) return "needs ip (iproute2)";
  return undefined;
}

/** Runs `bun test files` inside a new network namespace with loopback up; the summary as runNestedSuite gives it. */
export async function runIsolatedSuite(files: string[], env: Record<string, string>, label: string): Promise<{ code: number; summary: string; output: string }> {
  const proc = Bun.spawn(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" test "$@"', process.execPath, ...files], {
    cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const all = `${out}\n${err}`;
  if (code !== 0) {
    const log = join(tmpdir(), `bleepstore-isolated-${label.replace(/\W+/g, "-")}-${Date.now()}.log`);
    await Bun.write(log, all);
    console.error(`${label}: exit ${code}; whole output in ${log}\n${all.split("\n").filter((l) => /\(fail\)|error:|^\s+at /.test(l)).slice(0, 40).join("\n")}`);
  }
  const summary = all.split("\n").filter((l) => /^ \d+ (pass|fail|skip)$|^Ran \d+ tests?/.test(l)).join("\n");
  return { code, summary, output: all };
}

// Bun's bundler over the console's browser TypeScript (ui/), run as a macro: when `bun build --compile`
// makes the executable, and when the source runs, the result is a string constant of the module that
// imports it (assets.ts). A macro may not call Bun.build itself (the bundler is waiting on it), so the
// CLI is run.
import { join } from "node:path";

export function bundleConsoleScript(): string {
  const entry = join(import.meta.dir, "ui", "main.ts");
  const r = Bun.spawnSync([process.execPath, "build", entry, "--target=browser", "--format=esm", "--minify"], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`bundling the console's script failed: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

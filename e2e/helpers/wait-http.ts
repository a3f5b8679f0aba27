// Waiting for an emulator the tests started to answer HTTP, or failing with what it printed.
import type { Subprocess } from "bun";

/** Resolves once `url` answers (any status, or a 2xx when `ok`); kills `proc` and throws if it exits or `timeoutMs` passes. */
export async function waitForHttp(url: string, proc: Subprocess<"ignore" | "pipe" | "inherit", "pipe", "pipe">, what: string, timeoutMs = 60_000, ok = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (!ok || res.ok) return;
    } catch { /* not listening yet */ }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${what} did not start: ${await new Response(proc.stderr).text()}`);
    }
    await Bun.sleep(100);
  }
}

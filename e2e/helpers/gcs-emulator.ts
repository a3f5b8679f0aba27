// The Cloud Storage emulator of npm firebase-tools, started on loopback for a test file and stopped
// after it (see gcs-emulator-main.ts). What it lacks, and so what the gcp backend never needs from
// it: bucket creation (buckets appear with their first object), compose, and generation
// preconditions (accepted and ignored).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorPort } from "./ports.ts";

export interface GcsEmulator extends AsyncDisposable {
  port: number;
  /** The endpoint for storage.gcp.endpoint / the SDK's apiEndpoint. */
  endpoint: string;
}

export async function startGcsEmulator(): Promise<GcsEmulator> {
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-gcs-"));
  for (let attempt = 0; ; attempt++) {
    const port = emulatorPort("gcs");
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "gcs-emulator-main.ts"), String(port)], {
      stdout: "pipe", stderr: "pipe", env: { ...process.env, TMPDIR: dir },
    });
    let out = "";
    // Drained for the process's whole life (a full pipe would stall it).
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    const deadline = Date.now() + 30_000;
    while (!out.includes("listening") && Date.now() < deadline && proc.exitCode === null) await Bun.sleep(50);
    const stop = async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    };
    if (out.includes("listening")) {
      process.once("exit", () => proc.kill("SIGKILL"));
      return {
        port,
        endpoint: `http://127.0.0.1:${port}`,
        async [Symbol.asyncDispose]() {
          await stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stop();
    if (attempt === 2) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the Cloud Storage emulator did not start: ${out}${await new Response(proc.stderr).text()}`);
    }
  }
}

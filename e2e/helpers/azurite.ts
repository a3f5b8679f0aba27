// Azurite (npm azurite, Microsoft's Azure Storage emulator), started on loopback for a test file and
// stopped after it, with the well-known development account.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorPort } from "./ports.ts";

const ROOT = join(import.meta.dir, "..", "..");
const ACCOUNT = "devstoreaccount1";
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite extends AsyncDisposable {
  port: number;
  connectionString(port?: number): string;
}

export async function startAzurite(): Promise<Azurite> {
  const location = mkdtempSync(join(tmpdir(), "bleepstore-azurite-"));
  for (let attempt = 0; ; attempt++) {
    const port = emulatorPort("azurite");
    const proc = Bun.spawn([join(ROOT, "node_modules", ".bin", "azurite-blob"), "--blobHost", "127.0.0.1", "--blobPort", String(port),
      "--location", location, "--skipApiVersionCheck", "--disableTelemetry", "--loose"], { stdout: "pipe", stderr: "pipe" });
    let out = "";
    // Drained for the process's whole life (a full pipe would stall it).
    void (async () => {
      for await (const chunk of proc.stdout) out += new TextDecoder().decode(chunk);
    })();
    const deadline = Date.now() + 20_000;
    while (!out.includes("successfully listens") && Date.now() < deadline && proc.exitCode === null) await Bun.sleep(50);
    if (out.includes("successfully listens")) {
      return {
        port,
        connectionString: (p = port) =>
          `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:${p}/${ACCOUNT};`,
        async [Symbol.asyncDispose]() {
          proc.kill("SIGKILL");
          await proc.exited;
          rmSync(location, { recursive: true, force: true });
        },
      };
    }
    proc.kill("SIGKILL");
    if (attempt === 2) throw new Error(`azurite did not start: ${out}${await new Response(proc.stderr).text()}`);
  }
}

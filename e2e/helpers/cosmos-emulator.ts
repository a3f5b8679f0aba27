// The Cosmos DB emulator of the npm package @vercel/cosmosdb-server, in plain http mode on a free
// loopback port, for a test file; stopped after it. It keeps everything in memory. It runs a
// transactional batch operation by operation without undoing the done ones when a later one fails
// (cosmos-db.ts shapes every batch so that this changes nothing; test/metadata/cosmos.test.ts shows it).
import { join } from "node:path";
import { waitForHttp } from "./wait-http.ts";
import { emulatorPort } from "./ports.ts";

const CLI = join(import.meta.dir, "..", "..", "node_modules", "@vercel", "cosmosdb-server", "lib", "cli.js");

export interface CosmosEmulator extends AsyncDisposable {
  endpoint: string;
  /** A connection string for it (the emulator takes any key). */
  connectionString: string;
}

export async function startCosmosEmulator(): Promise<CosmosEmulator> {
  const port = emulatorPort("cosmos");
  const proc = Bun.spawn([process.execPath, CLI, "--host", "127.0.0.1", "-p", String(port), "--no-ssl"], { stdout: "pipe", stderr: "pipe" });
  process.once("exit", () => proc.kill("SIGKILL"));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(endpoint, proc, "the Cosmos DB emulator", 30_000);
  return {
    endpoint,
    connectionString: `AccountEndpoint=${endpoint}/;AccountKey=${Buffer.from("emulator").toString("base64")};`,
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

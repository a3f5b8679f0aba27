// DynamoDB Local (the official jar, shipped in the npm package amplify-dynamodb-simulator), started
// in memory on a free port for a test file and stopped after it. It listens on every interface, so
// it is started only inside an isolated network namespace (isolated.ts).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ISOLATED } from "./isolated.ts";
import { waitForHttp } from "./wait-http.ts";
import { emulatorPort } from "./ports.ts";

const EMULATOR = join(import.meta.dir, "..", "..", "node_modules", "amplify-dynamodb-simulator", "emulator");

export interface DynamoDbLocal extends AsyncDisposable {
  endpoint: string;
  /** What the SDK needs beside the endpoint (DynamoDB Local takes any key). */
  env: Record<string, string>;
}

/** Why DynamoDB Local cannot run here, if it cannot. */
export function dynamoDbLocalUnavailable(): string | undefined {
  if (!existsSync(join(EMULATOR, "DynamoDBLocal.jar"))) return "npm package amplify-dynamodb-simulator (its DynamoDBLocal.jar) is not installed";
  if (Bun.spawnSync(["java", "-version"]).exitCode !== 0) return "java is not installed (apt-get install openjdk-17-jre-headless)";
  return undefined;
}

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  if (!ISOLATED) throw new Error("DynamoDB Local listens on every interface: start it only inside an isolated network namespace (e2e/helpers/isolated.ts)");
  const port = emulatorPort("dynamodb");
  const proc = Bun.spawn(["java", `-Djava.library.path=${join(EMULATOR, "DynamoDBLocal_lib")}`, "-jar", join(EMULATOR, "DynamoDBLocal.jar"), "-inMemory", "-disableTelemetry", "-port", String(port)], {
    cwd: EMULATOR, stdout: "pipe", stderr: "pipe",
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForHttp(endpoint, proc, "DynamoDB Local");
  return {
    endpoint,
    env: { AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local", AWS_REGION: "us-east-1" },
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

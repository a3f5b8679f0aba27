// The Cloud Firestore emulator of the Google Cloud SDK (Debian package
// google-cloud-cli-firestore-emulator), started on a free loopback port for a test file and stopped
// after it, with the Java process its launcher starts (they share a process group).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { waitForHttp } from "./wait-http.ts";
import { emulatorPort } from "./ports.ts";

const CANDIDATES = ["/usr/lib/google-cloud-sdk", "/usr/share/google-cloud-sdk", "/opt/google-cloud-sdk"];

function launcher(): string | undefined {
  const roots = [...CANDIDATES];
  const gcloud = Bun.spawnSync(["sh", "-c", "gcloud info --format='value(installation.sdk_root)' 2>/dev/null"]);
  if (gcloud.exitCode === 0) roots.unshift(gcloud.stdout.toString().trim());
  return roots.map((r) => join(r, "platform", "cloud-firestore-emulator", "cloud_firestore_emulator")).find((p) => p && existsSync(p));
}

/** Why the emulator cannot run here, if it cannot. */
export function firestoreEmulatorUnavailable(): string | undefined {
  if (!launcher()) return "the Cloud Firestore emulator is not installed (apt-get install google-cloud-cli-firestore-emulator)";
  if (Bun.spawnSync(["java", "-version"]).exitCode !== 0) return "java is not installed (apt-get install openjdk-17-jre-headless)";
  return undefined;
}

export interface FirestoreEmulator extends AsyncDisposable {
  /** host:port */
  host: string;
  /** What a process talking to it needs: FIRESTORE_EMULATOR_HOST, and no cloud metadata-server lookups. */
  env: Record<string, string>;
}

export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const path = launcher();
  if (!path) throw new Error(firestoreEmulatorUnavailable());
  const port = emulatorPort("firestore");
  // setsid: the launcher and its java child in a group of their own, killed together.
  const proc = Bun.spawn(["setsid", path, "--host", "127.0.0.1", "--port", String(port)], { stdout: "pipe", stderr: "pipe" });
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch { /* already gone */ }
    await proc.exited;
  };
  // However the test process ends, the emulator goes with it.
  process.once("exit", () => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch { /* already gone */ }
  });
  try {
    await waitForHttp(`http://${host}/`, proc, "the Firestore emulator", 60_000, true);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    env: { FIRESTORE_EMULATOR_HOST: host, METADATA_SERVER_DETECTION: "none" },
    [Symbol.asyncDispose]: stop,
  };
}

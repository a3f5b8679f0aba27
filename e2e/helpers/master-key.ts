// Nodes of one cluster share one master key (the metadata keeps a check of it, and a node with
// another refuses to start): a key file for a test's nodes, and the env var that names it.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes a master key into `dir` and returns the env var that gives it to a node. */
export function sharedMasterKey(dir: string): { BLEEPSTORE_ENCRYPTION_MASTER_KEY_FILE: string } {
  const path = join(dir, "cluster-master.key");
  writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  return { BLEEPSTORE_ENCRYPTION_MASTER_KEY_FILE: path };
}

// The SSE-S3 master key: 32 random bytes, base64 in a file of mode 0600. Named by
// encryption.master_key_file, or kept in the data directory and generated on the first start
// (replaceFile: a crash leaves either no key or a whole one).
import { readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { createHmac, randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import type { MetadataStore } from "./metadata/store.ts";
import { replaceFile } from "./durable-file.ts";
import { StartupError } from "./startup.ts";

export const MASTER_KEY_FILE = "master.key";

/** Where the master key is: the configured file, or master.key in the data directory. */
export function masterKeyPath(config: Config): string {
  return resolve(config.encryption.master_key_file || join(dirname(config.metadata.sqlite.path), MASTER_KEY_FILE));
}

function read(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  if (key.length !== 32) throw new StartupError(`encryption master key ${path} is not 32 bytes of base64`);
  return key;
}

/** The key, and whether this start generated it (the caller warns once the server is up). */
export function loadMasterKey(config: Config): { key: Buffer; generated: string | null } {
  const path = masterKeyPath(config);
  let exists = true;
  try {
    statSync(path);
  } catch {
    exists = false;
  }
  if (exists) return { key: read(path), generated: null };
  if (config.encryption.master_key_file) throw new StartupError(`encryption.master_key_file ${path} does not exist`);
  const key = randomBytes(32);
  replaceFile(path, (fd) => writeSync(fd, `${key.toString("base64")}\n`));
  return { key, generated: path };
}

export function warnGenerated(log: Logger, path: string): void {
  log.warn("generated the SSE-S3 master key; back it up: without it, objects stored with SSE-S3 cannot be read", { path });
}

/**
 * The master key must be the one the metadata was written with: every node of a cluster, and every
 * start of one node. The metadata engine keeps a check of it (an HMAC, not the key), written by the
 * first start that has none. A key that does not match (a node that generated its own, a replaced
 * file) stops the start with one line: SSE-S3 and SSE-KMS objects would not be readable. A key this
 * start generated is removed again then, so the right one can be put in its place.
 */
export async function checkMasterKey(metadata: MetadataStore, master: { key: Buffer; generated: string | null }, path: string): Promise<void> {
  const value = JSON.stringify({ check: createHmac("sha256", master.key).update("bleepstore master key check").digest("base64") });
  for (;;) {
    const stored = await metadata.getRecord("master-key", "check");
    if (stored === value) return;
    if (stored === null) {
      if (await metadata.putRecord("master-key", "check", value, null)) return;
      continue;
    }
    if (master.generated) rmSync(master.generated, { force: true });
    throw new StartupError(
      `encryption master key ${path} is not the one this metadata was written with${master.generated ? " (it was just generated, and is removed again)" : ""}: ` +
        "give every node the same key (encryption.master_key_file, or a copy of the first node's master.key), or put the original back",
    );
  }
}

// What the encryption tests share: SSE-C request fields for a key (and their copy-source twins), a
// body marked so that plaintext reaching the disk is found, and the search for that mark.
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const md5 = (key: Buffer) => createHash("md5").update(key).digest("base64");

export const ssec = (key: Buffer) => ({ SSECustomerAlgorithm: "AES256", SSECustomerKey: key.toString("base64"), SSECustomerKeyMD5: md5(key) });
export const copySsec = (key: Buffer) => ({ CopySourceSSECustomerAlgorithm: "AES256", CopySourceSSECustomerKey: key.toString("base64"), CopySourceSSECustomerKeyMD5: md5(key) });

/** A body whose every 64 KiB carries the marker, so any plaintext that reaches disk is found. */
export function marked(size: number, marker: string): Buffer {
  const out = randomBytes(size);
  for (let at = 0; at + marker.length <= size; at += 64 * 1024) out.write(marker, at);
  return out;
}

/** Whether any file under `root` (but the directories `skip`) holds `marker`. Files that vanish while it walks hold nothing. */
export function markerUnder(root: string, marker: string, skip: string[] = []): boolean {
  const walk = (dir: string): boolean => readdirSync(dir).some((name) => {
    const path = join(dir, name);
    if (skip.includes(path)) return false;
    try {
      return statSync(path).isDirectory() ? walk(path) : readFileSync(path).includes(marker);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
  });
  return walk(root);
}

// This node's id: the `source` of the events it publishes (and, in a cluster, its name). Kept in the
// data directory so it is the same after every restart; made once, on first start.
import { existsSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "./durable-file.ts";

export function nodeId(dataDir: string): string {
  const path = join(dataDir, "node-id");
  if (existsSync(path)) {
    const id = readFileSync(path, "utf8").trim();
    if (id) return id;
  }
  const id = `node-${crypto.randomUUID().slice(0, 8)}`;
  replaceFile(path, (fd) => writeSync(fd, `${id}\n`), 0o644);
  return id;
}

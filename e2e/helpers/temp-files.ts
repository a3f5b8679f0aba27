// The temp files of local storage under an object root: in .tmp, or (worker processes, cluster nodes)
// in each one's directory in it. "No temp file left" means none in any of them.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export function tempFiles(objectsRoot: string, dir = join(objectsRoot, ".tmp")): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tempFiles(objectsRoot, path) : [path];
  });
}

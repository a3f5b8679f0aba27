// The temp files of local storage under an object root: in .tmp, or (worker processes, cluster nodes)
// in each one's directory in it. "No temp file left" means none in any of them. The server removes
// them as it goes, so one may vanish between the listing and its look: then it is not there.
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function tempFiles(objectsRoot: string, dir = join(objectsRoot, ".tmp")): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries.flatMap((e) => (e.isDirectory() ? tempFiles(objectsRoot, join(dir, e.name)) : [join(dir, e.name)]));
}

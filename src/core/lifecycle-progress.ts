// Where a full lifecycle pass has got to — the bucket, and the last key whose versions it finished —
// kept in a small file beside the data (replaced whole, a page at a time), so a pass cut
// short by a kill -9 resumes there instead of from the first key. Nothing is lost by an old or missing
// file: a pass is idempotent, and redoes at worst a page. In a cluster each node keeps its own; the node
// that takes the lifecycle job over starts its pass from the first key.
import { readFileSync, rmSync } from "node:fs";
import { replaceFileAsync } from "../durable-file.ts";

export interface ScanPosition {
  bucket: string;
  key: string;
}

export class ScanProgress {
  constructor(private readonly path: string) {}

  load(): ScanPosition | null {
    try {
      const p = JSON.parse(readFileSync(this.path, "utf8")) as ScanPosition;
      return typeof p.bucket === "string" && typeof p.key === "string" ? p : null;
    } catch {
      return null; // none, or torn
    }
  }

  /** Never fails the pass: a position not saved only means more to redo. */
  async save(position: ScanPosition): Promise<void> {
    await replaceFileAsync(this.path, (out) => out.writeFile(JSON.stringify(position)).then(() => undefined)).catch(() => undefined);
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

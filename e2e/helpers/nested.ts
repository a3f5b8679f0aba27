// Runs e2e test files in a nested `bun test` with extra environment (a compiled binary, another HTTP
// engine) and reports its failures: each with the 40 lines before it, the whole log on disk.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");

/** The nested run's exit code and its summary lines (pass/fail/skip counts, failures). */
/** The e2e files every storage backend and metadata engine must pass. */
export const CORE_E2E = ["buckets", "objects", "list-objects", "multipart", "versioning", "acl", "tagging", "checksums", "copy-object", "object-lock"]
  .map((f) => `e2e/${f}.test.ts`);

/**
 * The e2e files every storage backend and HTTP engine must pass: the core ones, every read's
 * Content-Length, and SSE-KMS (its stored size differs from the plaintext's: parts, ranges, sessions).
 */
export const STORAGE_E2E = [...CORE_E2E, "e2e/content-length.test.ts", "e2e/sse-kms.test.ts"];

export async function runNestedSuite(files: string[], env: Record<string, string>, label: string): Promise<{ code: number; summary: string }> {
  const proc = Bun.spawn([process.execPath, "test", ...files], { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const all = `${out}\n${err}`;
  if (code !== 0) {
    const log = join(tmpdir(), `bleepstore-nested-${label.replace(/\W+/g, "-")}-${Date.now()}.log`);
    writeFileSync(log, all);
    const lines = all.split("\n");
    const blocks = lines.flatMap((l, i) => (l.startsWith("(fail)") ? [lines.slice(Math.max(0, i - 40), i + 1).join("\n")] : []));
    console.error(`nested e2e run (${label}) failed; full log: ${log}\n${blocks.join("\n---\n")}`);
  }
  return { code, summary: all.split("\n").filter((l) => /^\s*\d+ (pass|fail|skip)|^Ran |^\(fail\)/.test(l)).join("\n") };
}

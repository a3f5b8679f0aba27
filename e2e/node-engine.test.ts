// server.http_engine: node — the core e2e files run a second time with every server they start on
// Bun's node:http front instead of Bun.serve (hostile.test.ts then expects keys with literal dot
// segments to be stored byte-exact).
import { expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXTERNAL_ENDPOINT } from "./helpers/server.ts";

setDefaultTimeout(600_000);

const ROOT = join(import.meta.dir, "..");
const FILES = ["objects", "multipart", "hostile", "presigned-streaming", "auth", "checksums", "list-objects", "acl"].map((f) => `e2e/${f}.test.ts`);
// Not inside the nested runs (binary or node engine) and not against an external server.
const skip = !!process.env.BLEEPSTORE_BINARY || process.env.BLEEPSTORE_SERVER_HTTP_ENGINE === "node" || !!EXTERNAL_ENDPOINT;

test.skipIf(skip)("the core e2e files pass with server.http_engine: node", async () => {
  const proc = Bun.spawn([process.execPath, "test", ...FILES], {
    cwd: ROOT,
    env: { ...process.env, BLEEPSTORE_SERVER_HTTP_ENGINE: "node" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const all = `${out}\n${err}`;
  if (code !== 0) {
    const log = join(tmpdir(), `bleepstore-node-engine-suite-${Date.now()}.log`);
    writeFileSync(log, all);
    const lines = all.split("\n");
    const blocks = lines.flatMap((l, i) => (l.startsWith("(fail)") ? [lines.slice(Math.max(0, i - 40), i + 1).join("\n")] : []));
    console.error(`nested e2e run with the node engine failed; full log: ${log}\n${blocks.join("\n---\n")}`);
  }
  expect(all).toMatch(/^ 0 fail$/m);
  expect(all).toMatch(/^ [1-9]\d* pass$/m);
  expect(code).toBe(0);
});

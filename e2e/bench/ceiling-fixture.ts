// The ceiling for the benchmark: plain Bun.serve answering GET/HEAD with one fixed 4 KiB file and
// discarding PUT bodies — what this machine can do with no S3 work at all.
// Usage: bun e2e/bench/ceiling-fixture.ts  → prints "ceiling listening on <port>"
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const file = join(mkdtempSync(join(tmpdir(), "bleepstore-ceiling-")), "4k.bin");
writeFileSync(file, new Uint8Array(4096).fill(120));
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    if (req.method === "PUT") {
      if (req.body) for await (const _ of req.body) void _;
      return new Response(null, { status: 200, headers: { etag: '"ceiling"' } });
    }
    return new Response(Bun.file(file), { headers: { etag: '"ceiling"' } });
  },
});
console.log(`ceiling listening on ${server.port}`);

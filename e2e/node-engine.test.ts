// server.http_engine: node — the core e2e files run a second time with every server they start on
// Bun's node:http front instead of Bun.serve (hostile.test.ts then expects keys with literal dot
// segments to be stored byte-exact).
import { expect, setDefaultTimeout, test } from "bun:test";
import { runNestedSuite } from "./helpers/nested.ts";
import { EXTERNAL_ENDPOINT } from "./helpers/server.ts";

setDefaultTimeout(600_000);

const FILES = ["objects", "multipart", "hostile", "presigned-streaming", "auth", "checksums", "list-objects", "acl", "content-length"].map((f) => `e2e/${f}.test.ts`);
// Not inside the nested runs (binary or node engine) and not against an external server.
const skip = !!process.env.BLEEPSTORE_BINARY || process.env.BLEEPSTORE_SERVER_HTTP_ENGINE === "node" || !!EXTERNAL_ENDPOINT;

test.skipIf(skip)("the core e2e files pass with server.http_engine: node", async () => {
  const { code, summary } = await runNestedSuite(FILES, { BLEEPSTORE_SERVER_HTTP_ENGINE: "node" }, "node engine");
  expect(summary).toMatch(/^ 0 fail$/m);
  expect(summary).toMatch(/^ [1-9]\d* pass$/m);
  expect(code).toBe(0);
});

// API docs (SPEC §12): /openapi.json and /docs are on by default; the document lists every operation
// of the operation table with the family's title, tags, servers entry and sigv4 scheme; Swagger UI's
// files come from the server itself. The offline test runs the server and headless Chromium together
// in a new network namespace (unshare -n) with only loopback: no route out, so a CDN could not be
// reached, and the screenshot (kept in e2e/artifacts/) shows the rendered operation list.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { API_ROUTES } from "../src/server/api-surface.ts";
import { command, EXTERNAL_ENDPOINT, serverEnv, startServer } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";

setDefaultTimeout(90_000);

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dir, "artifacts");
const canUnshare = process.getuid?.() === 0 && spawnSync("unshare", ["-n", "true"]).status === 0;
const offline = !EXTERNAL_ENDPOINT &&
  requires("the offline Swagger UI test's root, unshare -n and Chromium", unless(canUnshare && existsSync(CHROMIUM), "needs root, unshare -n and /usr/bin/chromium (apt-get install chromium)"));

interface OpenApi {
  openapi: string;
  info: { title: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, { operationId?: string; tags?: string[]; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe("API docs", () => {
  test("on by default: /openapi.json covers every operation of the table, with the family's title, tags, servers and sigv4", async () => {
    await using server = await startServer();
    const res = await fetch(`${server.endpoint}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json() as OpenApi;
    // The family's exact shape (SPEC §12): 3.1.0, the scheme under components, no top-level security.
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc)).not.toContain("security");
    expect(doc.info.title).toBe("BleepStore S3-Compatible API");
    expect(doc.servers).toEqual([{ url: server.endpoint }]);
    expect(doc.tags.map((t) => t.name)).toEqual(expect.arrayContaining(["Bucket", "Object", "MultipartUpload"]));
    expect(Object.keys(doc.components.securitySchemes)).toContain("sigv4");
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((o) => o.operationId)).filter(Boolean);
    expect(ids.sort()).toEqual(API_ROUTES.map((r) => r.name).sort());
    for (const name of ["PutObject", "CompleteMultipartUpload", "UploadPartCopy", "GetBucketPolicy", "ListObjectVersions"]) expect(ids).toContain(name);
    // Error responses by status, e.g. PutObject's 412 and 404.
    const put = doc.paths["/{bucket}/{key}"]!.put!;
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(["200", "400", "403", "404", "412", "500", "501"]));
    // The ops and admin routes are listed too.
    for (const p of ["/healthz", "/readyz", "/health", "/metrics", "/_bleepstore/admin/credentials", "/_bleepstore/admin/metadata"]) expect(Object.keys(doc.paths)).toContain(p);

    const html = await (await fetch(`${server.endpoint}/docs`)).text();
    expect(html).toContain("SwaggerUIBundle");
    // The page @elysiajs/swagger renders, its one CDN address replaced by the embedded script.
    expect(html).toContain(`<script src="/docs/swagger-ui-bundle.js"`);
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]) {
      const a = await fetch(`${server.endpoint}${asset}`);
      expect(a.status).toBe(200);
      expect(Number(a.headers.get("content-length"))).toBeGreaterThan(1000);
    }
    expect((await fetch(`${server.endpoint}/docs/nothing.js`)).status).toBe(404);
  });

  test("observability.api_docs: false → 404", async () => {
    await using server = await startServer({ env: { BLEEPSTORE_OBSERVABILITY_API_DOCS: "false" } });
    expect((await fetch(`${server.endpoint}/openapi.json`)).status).toBe(404);
    expect((await fetch(`${server.endpoint}/docs`)).status).toBe(404);
  });

  test.skipIf(!offline)("Swagger UI renders the operation list with no network (server and Chromium alone in a network namespace)", () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const dataDir = mkdtempSync(join(tmpdir(), "bleepstore-docs-"));
    const shot = join(ARTIFACTS, "docs-offline.png");
    rmSync(shot, { force: true });
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const server = command(port, dataDir, []).map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
    const chromium = `${CHROMIUM} --headless=new --no-sandbox --disable-gpu --virtual-time-budget=15000 --window-size=1200,1600`;
    const script = `
      set -e
      ip link set lo up
      echo "routes:[$(ip route show)]"
      if curl -s -m 3 -o /dev/null https://cdn.jsdelivr.net/; then echo "network: reachable"; else echo "network: none"; fi
      ${server} >server.log 2>&1 & pid=$!
      for i in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:${port}/healthz && break; sleep 0.1; done
      ${chromium} --screenshot=${shot} http://127.0.0.1:${port}/docs >/dev/null 2>&1 || true
      ${chromium} --dump-dom http://127.0.0.1:${port}/docs 2>/dev/null
      kill $pid; wait $pid || true`;
    try {
      const r = spawnSync("unshare", ["-n", "sh", "-c", script], { cwd: dataDir, env: serverEnv() as NodeJS.ProcessEnv, encoding: "utf8", maxBuffer: 64 << 20 });
      const out = r.stdout;
      expect(out).toContain("routes:[]");
      expect(out).toContain("network: none");
      // Swagger UI rendered: one block per operation, with their ids.
      expect(out).toContain("opblock-tag-section");
      for (const id of ["ListBuckets", "PutObject", "CreateMultipartUpload"]) expect(out).toContain(id);
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

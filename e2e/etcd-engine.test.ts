// metadata.engine: etcd on a real etcd (Debian's etcd-server 3.4) on loopback: the core e2e files and
// the crash tests behind a server on it, migration in and out with meta export/import, --check.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { etcdUnavailable, startEtcd, type Etcd } from "./helpers/etcd.ts";
import { sharedMasterKey } from "./helpers/master-key.ts";
import { migrationRoundTrip } from "./helpers/migration.ts";
import { CORE_E2E, runNestedSuite } from "./helpers/nested.ts";
import { requires } from "./helpers/requires.ts";
import { EXTERNAL_ENDPOINT, runCli } from "./helpers/server.ts";

setDefaultTimeout(900_000);
// Inside a nested run (or against another server or binary run) these are not repeated.
const nested = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_METADATA_ENGINE || !!process.env.BLEEPSTORE_STORAGE_BACKEND;

if (!nested && requires("etcd", etcdUnavailable())) {
  let etcd: Etcd;
  // The servers of a prefix share its metadata, so one master key (a server with another would not start).
  const keys = mkdtempSync(join(tmpdir(), "bleepstore-etcd-key-"));
  const master = sharedMasterKey(keys);
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.[Symbol.asyncDispose]();
    rmSync(keys, { recursive: true, force: true });
  });
  const on = (prefix: string) => ({
    BLEEPSTORE_METADATA_ENGINE: "etcd", BLEEPSTORE_METADATA_ETCD_ENDPOINTS: etcd.endpoints.join(","), BLEEPSTORE_METADATA_ETCD_PREFIX: prefix, ...master,
  });

  describe("metadata.engine: etcd", () => {
    test("the core e2e files and the crash tests", async () => {
      const { code, summary } = await runNestedSuite([...CORE_E2E, "e2e/crash.test.ts", "e2e/crash-concurrent.test.ts"], on("core"), "metadata etcd");
      expect(summary).toMatch(/^ 0 fail$/m);
      expect(summary).toMatch(/^ [1-9]\d* pass$/m);
      expect(code).toBe(0);
    });

    test("migration: sqlite → meta export → meta import into etcd → sqlite again; each serves the same, the last export is the first", async () => {
      await migrationRoundTrip(on("migrated"), { BLEEPSTORE_METADATA_ENGINE: "sqlite", BLEEPSTORE_METADATA_SQLITE_PATH: "metadata-again.db" });
    });

    test("--check: etcd reachable → config OK (no password shown); unreachable → one line naming the endpoint", async () => {
      const ok = await runCli(["--check", "--port", "0"], { env: { ...on("check"), BLEEPSTORE_METADATA_ETCD_USERNAME: "", BLEEPSTORE_METADATA_ETCD_PASSWORD: "secret-pw" } });
      expect(ok.err).toBe("");
      expect(ok.out).toMatch(/"engine": "etcd"[\s\S]*config OK\n$/);
      expect(ok.out).not.toContain("secret-pw");
      const bad = await runCli(["--check", "--port", "0"], { env: { ...on("check"), BLEEPSTORE_METADATA_ETCD_ENDPOINTS: "http://127.0.0.1:1", BLEEPSTORE_METADATA_ETCD_TIMEOUT_MS: "1000" }, timeoutMs: 60_000 });
      expect(bad.code).toBe(1);
      expect(bad.err.trim().split("\n")).toHaveLength(1);
      expect(bad.err).toContain("metadata etcd (prefix check) cannot be reached at http://127.0.0.1:1");
    });
  });
}

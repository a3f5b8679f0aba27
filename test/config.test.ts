import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, defaultConfig, envName, loadConfig, workerCount } from "../src/config.ts";

function withFile(yaml: string, fn: (path: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-config-"));
  const path = join(dir, "bleepstore.yaml");
  writeFileSync(path, yaml);
  return fn(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function configError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  return "no error";
}

describe("config", () => {
  test("no file, flag or env gives the documented defaults", async () => {
    const c = await loadConfig({}, {});
    expect(c.server).toEqual({ host: "0.0.0.0", port: 9000, region: "us-east-1", domain: "localhost", idle_timeout_seconds: 120, http_engine: "bun", workers: 0, tls: { cert_file: "", key_file: "" } });
    expect(c.auth).toEqual({ access_key: "bleepstore", secret_key: "bleepstore-secret", signature_v2: true });
    expect(c.metadata.engine).toBe("sqlite");
    expect(c.metadata.sqlite.path).toBe("data/metadata.db");
    expect(c.storage.backend).toBe("local");
    expect(c.storage.local.root_dir).toBe("data/objects");
  });

  test("the file overrides defaults, flags override the file, env overrides flags", async () => {
    await withFile("server:\n  port: 9100\n  region: eu-west-1\n", async (path) => {
      const fromFile = await loadConfig({ configFile: path }, {});
      expect(fromFile.server.port).toBe(9100);
      expect(fromFile.server.region).toBe("eu-west-1");
      const fromFlag = await loadConfig({ configFile: path, port: "9200" }, {});
      expect(fromFlag.server.port).toBe(9200);
      const fromEnv = await loadConfig({ configFile: path, port: "9200" }, { BLEEPSTORE_PORT: "9300", BLEEPSTORE_SERVER_REGION: "ap-south-1" });
      expect(fromEnv.server.port).toBe(9300);
      expect(fromEnv.server.region).toBe("ap-south-1");
    });
  });

  test("--data-dir moves every local path", async () => {
    const c = await loadConfig({ dataDir: "/srv/bs" }, {});
    expect(c.metadata.sqlite.path).toBe("/srv/bs/metadata.db");
    expect(c.storage.local.root_dir).toBe("/srv/bs/objects");
    expect(c.metadata.local.root_dir).toBe("/srv/bs/metadata");
  });

  test("every key has an env var", async () => {
    expect(envName("metadata.sqlite.path")).toBe("BLEEPSTORE_METADATA_SQLITE_PATH");
    const c = await loadConfig({}, { BLEEPSTORE_OBSERVABILITY_METRICS: "false", BLEEPSTORE_STORAGE_MEMORY_MAX_SIZE_BYTES: "1024" });
    expect(c.observability.metrics).toBe(false);
    expect(c.storage.memory.max_size_bytes).toBe(1024);
  });

  test("an unknown key stops start-up naming the key", async () => {
    await withFile("server:\n  prot: 1\n", async (path) => {
      expect(await configError(loadConfig({ configFile: path }, {}))).toBe('config: unknown key "server.prot"');
    });
  });

  test("a BLEEPSTORE_* variable that is no key is refused like an unknown key, naming the nearest one", async () => {
    expect(await configError(loadConfig({}, { BLEEPSTORE_AUTH_SECRET: "x" })))
      .toBe("config: unknown environment variable BLEEPSTORE_AUTH_SECRET (did you mean BLEEPSTORE_AUTH_SECRET_KEY?)");
    expect(await configError(loadConfig({}, { BLEEPSTORE_NOPE: "1" }))).toBe("config: unknown environment variable BLEEPSTORE_NOPE");
    expect(await configError(loadConfig({}, { BLEEPSTORE_DATA_DIR: "/tmp/x", BLEEPSTORE_FAILPOINT: "" }))).toBe("no error");
  });

  test("server.workers: one per core up to 16 by default, where the engines allow several processes", async () => {
    const auto = await loadConfig({}, {});
    expect(workerCount(auto, 2)).toBe(2);
    expect(workerCount(auto, 64)).toBe(16);
    expect(workerCount(await loadConfig({ workers: "3" }, {}), 64)).toBe(3);
    expect(workerCount(await loadConfig({}, { BLEEPSTORE_SERVER_WORKERS: "1" }), 64)).toBe(1);
    // Engines that belong to one process keep one, unless a number above 1 was asked for: then refused.
    expect(workerCount(await loadConfig({}, { BLEEPSTORE_METADATA_ENGINE: "memory" }), 8)).toBe(1);
    expect(workerCount(await loadConfig({}, { BLEEPSTORE_STORAGE_BACKEND: "memory" }), 8)).toBe(1);
    expect(await configError(loadConfig({ workers: "2" }, { BLEEPSTORE_METADATA_ENGINE: "local" })))
      .toBe("config: server.workers above 1 is not available with metadata.engine local (sqlite is shared by worker processes)");
    expect(await configError(loadConfig({ workers: "2" }, { BLEEPSTORE_QUEUE_ENABLED: "true", BLEEPSTORE_QUEUE_CONSISTENCY: "sync" })))
      .toBe("config: server.workers above 1 is not available with queue.consistency: sync (write-through is)");
    expect(await configError(loadConfig({ workers: "257" }, {}))).toContain("server.workers");
  });

  test("server.tls needs both files", async () => {
    expect(await configError(loadConfig({}, { BLEEPSTORE_SERVER_TLS_CERT_FILE: "/c.pem" }))).toBe("config: server.tls needs both cert_file and key_file");
  });

  test("bad values name the key", async () => {
    expect(await configError(loadConfig({ port: "abc" }, {}))).toContain("server.port must be an integer");
    expect(await configError(loadConfig({ port: "70000" }, {}))).toContain("server.port must be an integer from 0 to 65535");
    expect(await configError(loadConfig({ logLevel: "loud" }, {}))).toContain("logging.level must be one of");
    expect(await configError(loadConfig({}, { BLEEPSTORE_METADATA_ENGINE: "oracle" }))).toContain("metadata.engine must be one of");
    expect(await configError(loadConfig({}, { BLEEPSTORE_OBSERVABILITY_METRICS: "maybe" }))).toContain("observability.metrics must be true or false");
    await withFile("auth:\n  secret_key: 12\n", async (path) => {
      expect(await configError(loadConfig({ configFile: path }, {}))).toContain("auth.secret_key must be a string");
    });
    await withFile("server: [1, 2]\n", async (path) => {
      expect(await configError(loadConfig({ configFile: path }, {}))).toContain("server must be a mapping");
    });
  });

  test("a missing or broken file is one clear line", async () => {
    expect(await configError(loadConfig({ configFile: "/nonexistent/bleepstore.yaml" }, {}))).toContain("file not found");
    await withFile("server: {port: [\n", async (path) => {
      expect(await configError(loadConfig({ configFile: path }, {}))).toContain("is not valid YAML");
    });
  });

  test("bleepstore.example.yaml loads and documents every key", async () => {
    const example = join(import.meta.dir, "..", "bleepstore.example.yaml");
    const loaded = await loadConfig({ configFile: example }, {});
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(defaultConfig()).sort());
    const text = await Bun.file(example).text();
    const parsed = Bun.YAML.parse(text) as Record<string, Record<string, unknown>>;
    const paths = (tree: Record<string, unknown>, prefix = ""): string[] =>
      Object.entries(tree).flatMap(([k, v]) =>
        v && typeof v === "object" && !Array.isArray(v) ? paths(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]);
    expect(paths(parsed).sort()).toEqual(paths(defaultConfig() as unknown as Record<string, unknown>).sort());
  });
});

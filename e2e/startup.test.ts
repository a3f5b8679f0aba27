// Start-up as an operator meets it: each configuration or environment failure ends the process with a
// non-zero status and exactly one line on stderr naming the path, port or key (no stack trace);
// --check finds the same failures without serving and prints only the selected engine's sections;
// the start-up announces URLs, data dir, engines, key and client settings, and warns when the
// default credentials listen beyond loopback.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Database } from "bun:sqlite";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { EXTERNAL_ENDPOINT, runCli, serverEnv, startServer } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";

setDefaultTimeout(60_000);
const work = mkdtempSync(join(tmpdir(), "bleepstore-startup-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const root = requires("root (chattr, mount, unshare)", unless(process.getuid?.() === 0, "run the tests as root, as .ci/run does"));
const fresh = (name: string) => mkdtempSync(join(work, `${name}-`));

/** Runs the server until it exits (a failure) or 10 s pass (then it is killed: a failed expectation). */
async function start(args: string[], env: Record<string, string> = {}) {
  const r = await runCli(["--host", "127.0.0.1", "--port", "0", ...args], { env, timeoutMs: 10_000 });
  return { ...r, lines: r.err.trim().split("\n").filter(Boolean) };
}

function expectOneLine(r: { code: number | null; lines: string[]; err: string }, ...names: string[]) {
  expect(r.code).not.toBe(0);
  expect(r.lines).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  for (const n of names) expect(r.lines[0]).toContain(n);
}

describe.skipIf(!!EXTERNAL_ENDPOINT)("start-up failures: one line, non-zero exit", () => {
  test("an unknown BLEEPSTORE_* variable is refused, naming it and the nearest real one", async () => {
    const r = await start(["--data-dir", fresh("env")], { BLEEPSTORE_AUTH_SECRET: "x" });
    expectOneLine(r, "BLEEPSTORE_AUTH_SECRET", "BLEEPSTORE_AUTH_SECRET_KEY");
  });

  test("a data directory that is a file", async () => {
    const file = join(fresh("file"), "data");
    writeFileSync(file, "not a directory");
    const r = await start(["--data-dir", file]);
    expectOneLine(r, file);
  });

  test.skipIf(!root)("a data directory that cannot be written (chattr +i)", async () => {
    const dir = fresh("ro");
    expect(spawnSync("chattr", ["+i", dir]).status).toBe(0);
    try {
      const r = await start(["--data-dir", dir]);
      expectOneLine(r, dir, "not writable");
    } finally {
      spawnSync("chattr", ["-i", dir]);
    }
  });

  const canMount = requires("a tmpfs mount (the full-disk start-up test)",
    unless(root && spawnSync("sh", ["-c", `mkdir -p ${work}/m && mount -t tmpfs -o size=128k tmpfs ${work}/m && umount ${work}/m`]).status === 0, "needs root and mount -t tmpfs"));
  test.skipIf(!canMount)("a data directory on a full disk", async () => {
    const dir = join(work, "full");
    mkdirSync(dir, { recursive: true });
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir]).status).toBe(0);
    try {
      spawnSync("dd", ["if=/dev/zero", `of=${join(dir, "filler")}`, "bs=4k"]);
      const r = await start(["--data-dir", dir]);
      expectOneLine(r, dir, "no space left on device");
    } finally {
      spawnSync("umount", [dir]);
    }
  });

  test("a metadata file that is not a database", async () => {
    const dir = fresh("notdb");
    writeFileSync(join(dir, "metadata.db"), "this is a text file, not SQLite, and it is long enough to have a header".repeat(20));
    const r = await start(["--data-dir", dir]);
    expectOneLine(r, join(dir, "metadata.db"), "not a SQLite database");
  });

  test("a metadata file from a newer version", async () => {
    const dir = fresh("newer");
    const db = new Database(join(dir, "metadata.db"));
    db.exec("PRAGMA user_version = 999");
    db.close();
    const r = await start(["--data-dir", dir]);
    expectOneLine(r, join(dir, "metadata.db"), "newer than this build");
  });

  test("a port in use", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    try {
      const r = await runCli(["--host", "127.0.0.1", "--port", String(taken.port), "--data-dir", fresh("port")], { timeoutMs: 10_000 });
      expectOneLine({ ...r, lines: r.err.trim().split("\n") }, `port ${taken.port}`, "in use");
    } finally {
      taken.stop(true);
    }
  });

  test("a second server on the same data directory", async () => {
    await using first = await startServer();
    const r = await start(["--data-dir", first.dataDir]);
    expectOneLine(r, first.dataDir, "in use");
  });

  test("a cloud backend that cannot be reached names its endpoint", async () => {
    const r = await start(["--data-dir", fresh("cloud")], {
      BLEEPSTORE_STORAGE_BACKEND: "aws", BLEEPSTORE_STORAGE_AWS_BUCKET: "b", BLEEPSTORE_STORAGE_AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      BLEEPSTORE_STORAGE_AWS_USE_PATH_STYLE: "true", AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y", AWS_MAX_ATTEMPTS: "1",
    });
    expectOneLine(r, "http://127.0.0.1:9", "storage aws");
  });

  test("a DynamoDB metadata endpoint that cannot be reached is named, serving and with --check", async () => {
    const env = {
      BLEEPSTORE_METADATA_ENGINE: "dynamodb", BLEEPSTORE_METADATA_DYNAMODB_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y", AWS_MAX_ATTEMPTS: "1",
    };
    expectOneLine(await start(["--data-dir", fresh("dynamodb")], env), "http://127.0.0.1:9", "metadata dynamodb (table bleepstore-metadata)");
    expectOneLine(await start(["--data-dir", fresh("dynamodb-check"), "--check"], env), "http://127.0.0.1:9", "metadata dynamodb");
  });

  test("a Firestore endpoint that cannot be reached is named", async () => {
    const env = {
      BLEEPSTORE_METADATA_ENGINE: "firestore", BLEEPSTORE_METADATA_FIRESTORE_ENDPOINT: "127.0.0.1:9", BLEEPSTORE_METADATA_FIRESTORE_PROJECT: "demo-x",
      METADATA_SERVER_DETECTION: "none",
    };
    expectOneLine(await start(["--data-dir", fresh("firestore"), "--check"], env), "127.0.0.1:9", "metadata firestore (project demo-x)");
  });

  test("a Cosmos DB endpoint that cannot be reached is named (never its key)", async () => {
    const env = {
      BLEEPSTORE_METADATA_ENGINE: "cosmos", BLEEPSTORE_METADATA_COSMOS_CONNECTION_STRING: "AccountEndpoint=http://127.0.0.1:9/;AccountKey=c2VjcmV0LWtleS1ub3QtdG8tcHJpbnQ=;",
    };
    const r = await start(["--data-dir", fresh("cosmos"), "--check"], env);
    expectOneLine(r, "http://127.0.0.1:9/", "metadata cosmos");
    expect(r.err).not.toContain("c2VjcmV0");
  });

  test("an Azure endpoint that cannot be reached is named (never its key)", async () => {
    const conn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleS1ub3QtdG8tcHJpbnQ=;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";
    const r = await start(["--data-dir", fresh("azure")], {
      BLEEPSTORE_STORAGE_BACKEND: "azure", BLEEPSTORE_STORAGE_AZURE_CONTAINER: "c", BLEEPSTORE_STORAGE_AZURE_CONNECTION_STRING: conn,
    });
    expectOneLine(r, "http://127.0.0.1:9/devstoreaccount1", "storage azure");
    expect(r.err).not.toContain("c2VjcmV0");
  });

  test("an Azure account without a key signs in with @azure/identity's default chain; with no identity on this machine, start-up says so", async () => {
    // Real @azure/identity: no service principal, workload or managed identity, nor Azure CLI here.
    const storage = await start(["--data-dir", fresh("azure-identity"), "--check"], {
      BLEEPSTORE_STORAGE_BACKEND: "azure", BLEEPSTORE_STORAGE_AZURE_CONTAINER: "c", BLEEPSTORE_STORAGE_AZURE_ACCOUNT: "bleepstoretest",
    });
    expectOneLine(storage, "storage azure (container c, Entra ID identity)", "https://bleepstoretest.blob.core.windows.net", "ChainedTokenCredential");
    const cosmos = await start(["--data-dir", fresh("cosmos-identity"), "--check"], {
      BLEEPSTORE_METADATA_ENGINE: "cosmos", BLEEPSTORE_METADATA_COSMOS_ENDPOINT: "https://bleepstoretest.documents.azure.com:443/",
    });
    expectOneLine(cosmos, "metadata cosmos (database bleepstore, container metadata, Entra ID identity)", "ChainedTokenCredential");
  });

  test("a Cloud Storage endpoint that cannot be reached is named", async () => {
    const env = { BLEEPSTORE_STORAGE_BACKEND: "gcp", BLEEPSTORE_STORAGE_GCP_BUCKET: "b", STORAGE_EMULATOR_HOST: "http://127.0.0.1:9" };
    expectOneLine(await start(["--data-dir", fresh("gcp"), "--check"], env), "http://127.0.0.1:9", "storage gcp (bucket b)");
  });

  test("--check finds the same failures without serving, and prints only the selected engine and backend", async () => {
    const file = join(fresh("check"), "data");
    writeFileSync(file, "x");
    expectOneLine(await start(["--data-dir", file, "--check"]), file);
    const ok = await runCli(["--check", "--data-dir", fresh("check-ok"), "--port", "0"]);
    expect(ok.code).toBe(0);
    const shown = JSON.parse(ok.out.slice(0, ok.out.lastIndexOf("}") + 1)) as { metadata: Record<string, unknown>; storage: Record<string, unknown> };
    expect(Object.keys(shown.metadata)).toEqual(["engine", "sqlite"]);
    expect(Object.keys(shown.storage)).toEqual(["backend", "local"]);
    expect(ok.out).toContain("config OK");
  });
});

/** The JSON log lines follow the plain stdout line the helper waits for. */
async function logged(server: { logs(): string }, text: string): Promise<string> {
  for (let i = 0; i < 100 && !server.logs().includes(text); i++) await Bun.sleep(20);
  return server.logs();
}

describe.skipIf(!!EXTERNAL_ENDPOINT)("start-up announcement", () => {
  test("the listening log line names URLs, data dir, engines, key, docs and client settings; no warning on loopback", async () => {
    await using server = await startServer();
    const line = (await logged(server, '"msg":"listening"')).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "listening")!;
    expect(line).toMatchObject({
      urls: [server.endpoint], metadata: "sqlite", storage: "local", accessKey: "bleepstore", docs: `${server.endpoint}/docs`,
      client: { AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: "bleepstore", AWS_DEFAULT_REGION: "us-east-1" },
    });
    expect(String(line.dataDir)).toContain(server.dataDir);
    expect(server.logs()).not.toContain("default credentials");
  });

  // Listening on 0.0.0.0 happens only inside a new network namespace (unshare -n) that has nothing
  // but loopback: the server is reachable from nowhere, as every server a test starts must be.
  const isolated = requires("the 0.0.0.0 announcement tests' root, unshare -n and script(1)",
    unless(root && spawnSync("unshare", ["-n", "true"]).status === 0 && spawnSync("script", ["--version"]).status === 0, "needs root, unshare -n and script (util-linux)"));
  const exe = () => process.env.BLEEPSTORE_BINARY ?? `${process.execPath} ${join(import.meta.dir, "..", "src", "main.ts")}`;
  /** Runs the server on 0.0.0.0 in an isolated namespace for two seconds (on a terminal if asked); its output. */
  const onAllAddresses = (dir: string, options: { terminal?: boolean; env?: Record<string, string> } = {}) => {
    const run = `timeout -s KILL 2 ${exe()} --host 0.0.0.0 --port 0 --data-dir ${dir}`;
    const inner = options.terminal ? `script -qec '${run}' /dev/null` : `${run} 2>&1`;
    const r = spawnSync("unshare", ["-n", "sh", "-c", `ip link set lo up; ${inner}`], {
      encoding: "utf8", env: { ...serverEnv(), ...options.env } as NodeJS.ProcessEnv,
    });
    return r.stdout;
  };

  test.skipIf(!isolated)("on a non-loopback address with the default credentials: a warning (and none with other credentials)", () => {
    expect(onAllAddresses(fresh("exposed"))).toMatch(/"level":"warn","msg":"listening on 0\.0\.0\.0 with the default credentials/);
    const own = onAllAddresses(fresh("own"), { env: { BLEEPSTORE_AUTH_SECRET_KEY: "a-secret-of-our-own" } });
    expect(own).toContain('"msg":"listening"');
    expect(own).not.toContain("default credentials");
  });

  test.skipIf(!isolated)("on a terminal: a short banner with ready-to-paste AWS CLI and rclone settings", () => {
    const dir = fresh("tty");
    const out = onAllAddresses(dir, { terminal: true });
    expect(out).toContain("export AWS_ACCESS_KEY_ID=bleepstore AWS_SECRET_ACCESS_KEY=bleepstore-secret");
    expect(out).toMatch(/aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ s3 mb/);
    expect(out).toContain("type = s3");
    expect(out).toContain(`data:      ${dir}`);
    expect(out).toContain("WARNING: listening on 0.0.0.0 with the default credentials");
  });
});

describe.skipIf(!!EXTERNAL_ENDPOINT || process.platform !== "linux")("runtime settings read at start (one re-exec, same pid)", () => {
  const environ = (pid: number) => new Map(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));

  test("unset: a 32-thread file-system pool and JavaScriptCore told of at most 8 GiB of RAM", async () => {
    await using server = await startServer();
    const env = environ(server.pid());
    expect(env.get("UV_THREADPOOL_SIZE")).toBe(process.env.UV_THREADPOOL_SIZE || "32");
    const ram = Math.min(totalmem(), process.constrainedMemory?.() || Infinity, 8 * 1024 ** 3);
    expect(env.get("BUN_JSC_forceRAMSize")).toBe(process.env.BUN_JSC_forceRAMSize || String(ram));
  });

  test("set by the user: kept as given", async () => {
    await using server = await startServer({ env: { UV_THREADPOOL_SIZE: "7", BUN_JSC_forceRAMSize: String(2 * 1024 ** 3) } });
    const env = environ(server.pid());
    expect(env.get("UV_THREADPOOL_SIZE")).toBe("7");
    expect(env.get("BUN_JSC_forceRAMSize")).toBe(String(2 * 1024 ** 3));
    const res = await fetch(`${server.endpoint}/healthz`);
    expect(res.status).toBe(200);
  });
});

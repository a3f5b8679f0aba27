// The single executable: build.ts compiles the server, the binary is the only file in an empty temp
// dir, and the e2e files that exercise what the build changes run a second time against it
// (BLEEPSTORE_BINARY) with no Bun, node_modules or source beside it: every S3 operation and every
// read's Content-Length, start-up and the CLI, the lazily loaded chunks (the cloud backends' SDKs, the
// API docs and their embedded assets, the hash worker), encryption and its master key, crash
// recovery, TLS, Signature V2, metadata export, the console (its bundled script) offline. The files
// that only drive other clients against the same HTTP surface (the AWS CLI, rclone, s3cmd, Chromium,
// the fuzzer) run once, against the source.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { runNestedSuite, STORAGE_E2E } from "./helpers/nested.ts";
import { EXTERNAL_ENDPOINT } from "./helpers/server.ts";

setDefaultTimeout(600_000);

const BINARY_E2E = [
  ...STORAGE_E2E,
  ...["startup", "ops", "docs", "sse", "crash", "crash-complete", "crash-concurrent", "tls-keys", "sigv2", "auth", "presigned-streaming", "edge",
    "hostile", "meta-export", "delete-objects", "conditional-delete", "aws-backend", "gcp-backend", "azure-backend", "console-offline"].map((f) => `e2e/${f}.test.ts`),
];

const ROOT = join(import.meta.dir, "..");
// Inside the nested run the suite is already exercising a binary; against an external server there is none to build.
const skip = !!process.env.BLEEPSTORE_BINARY || !!EXTERNAL_ENDPOINT;
let dir = "";
let binary = "";

beforeAll(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "bleepstore-binary-"));
  binary = join(dir, "bleepstore");
  const build = Bun.spawnSync([process.execPath, join(ROOT, "build.ts"), "--outfile", binary], { cwd: ROOT, stderr: "pipe", stdout: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build.ts failed: ${build.stderr.toString()}`);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runBinary(args: string[], cwd = dir) {
  const r = Bun.spawnSync([binary, ...args], { cwd, env: { PATH: "/usr/bin:/bin", HOME: dir }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe.skipIf(skip)("compiled binary", () => {
  test("is alone in its directory and answers --version, --help and --check without Bun or node_modules", () => {
    expect(readdirSync(dir)).toEqual(["bleepstore"]);
    const version = runBinary(["--version"]);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(new RegExp(`^bleepstore ${pkg.version.replace(/\./g, "\\.")} \\(commit [0-9a-f]{7,}|unknown`));
    const help = runBinary(["--help"]);
    for (const flag of ["--config", "--host", "--port", "--data-dir", "--log-level", "--check", "--version", "--help"]) expect(help.out).toContain(flag);
    const check = runBinary(["--check"]);
    expect(check.code).toBe(0);
    expect(check.out).toContain("config OK");
    expect(check.out).not.toContain("bleepstore-secret");
    writeFileSync(join(dir, "bad.yaml"), "server:\n  port: 99999\n");
    const bad = runBinary(["--config", join(dir, "bad.yaml"), "--check"]);
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toBe("config: server.port must be an integer from 0 to 65535 (got 99999)");
    rmSync(join(dir, "bad.yaml"));
  });

  test("the e2e files that exercise what the build changes pass against it", async () => {
    const { code, summary } = await runNestedSuite(BINARY_E2E, { BLEEPSTORE_BINARY: binary }, "compiled binary");
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  });
});

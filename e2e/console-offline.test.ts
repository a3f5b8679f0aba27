// The console with no network at all: the server (the compiled binary, when the compiled-binary test
// runs this file against it) and Chromium alone in a new network namespace with only loopback. The page,
// its script and everything it shows come from the server; a person signs in, makes a bucket, uploads
// and previews a file and signs out, and no request leaves loopback.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM } from "./helpers/browser.ts";
import { requires, unless } from "./helpers/requires.ts";
import { ACCESS_KEY, command, EXTERNAL_ENDPOINT, SECRET_KEY, serverEnv } from "./helpers/server.ts";

setDefaultTimeout(120_000);
const canUnshare = process.getuid?.() === 0 && spawnSync("unshare", ["-n", "true"]).status === 0;
const offline = !EXTERNAL_ENDPOINT &&
  requires("the offline console test's root, unshare -n and Chromium", unless(canUnshare && existsSync(CHROMIUM), "needs root, unshare -n and /usr/bin/chromium (apt-get install chromium)"));
const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;

describe.skipIf(!offline)("console offline", () => {
  test("signs in, makes a bucket, uploads and previews a file, signs out — with only loopback, nothing fetched from elsewhere", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bleepstore-console-offline-"));
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const endpoint = `http://127.0.0.1:${port}`;
    const server = command(port, dataDir, []).map(quote).join(" ");
    const walk = [process.execPath, join(import.meta.dir, "helpers", "console-walk.ts"), endpoint, ACCESS_KEY, SECRET_KEY].map(quote).join(" ");
    const script = `
      set -e
      ip link set lo up
      echo "routes:[$(ip route show)]"
      ${server} >server.log 2>&1 & pid=$!
      for i in $(seq 150); do curl -s -o /dev/null ${endpoint}/healthz && break; sleep 0.1; done
      ${walk}
      kill $pid; wait $pid || true`;
    try {
      const r = spawnSync("unshare", ["-n", "sh", "-c", script], { cwd: dataDir, env: serverEnv() as NodeJS.ProcessEnv, encoding: "utf8", maxBuffer: 16 << 20, timeout: 100_000 });
      expect(r.stdout).toContain("routes:[]");
      const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
      if (!line) throw new Error(`no result from the walk: ${r.stdout}\n${r.stderr}`);
      expect(JSON.parse(line)).toEqual({ steps: ["page", "signed in", "bucket", "uploaded and previewed", "signed out"], outside: [], problems: [] });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

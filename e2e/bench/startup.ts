// Benchmark: time from exec to the first successful signed ListBuckets, idle RSS, and binary size.
// Runs the compiled binary (BLEEPSTORE_BINARY, default dist/bleepstore) or, with --source, bun src/main.ts.
// Usage: bun e2e/bench/startup.ts [--source] [--aws] [--console-off] [--workers N] [runs]   (loopback only; a fresh data dir per run)
// --workers N sets server.workers (default 1, one process): with more, the idle figures
// are then the supervisor's and every worker's together — RSS summed, and PSS (each shared page of the
// executable counted once across them), once every worker answers /health.
// --aws selects the aws storage backend, with another BleepStore on loopback as the upstream S3.
// --console-off runs with console.enabled: false (the console's page and script are loaded only at its
// first visit, so the idle RSS with and without it should be within 1 MiB).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ACCESS_KEY, SECRET_KEY, serverEnv, startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";
import { evict } from "./page-cache.ts";
import { processTree, rssMiB } from "./cpu.ts";

const root = join(import.meta.dir, "..", "..");
const fromSource = process.argv.includes("--source");
const runs = Number(process.argv.filter((a, i) => /^\d+$/.test(a) && process.argv[i - 1] !== "--workers")[0] ?? 7);
const binary = process.env.BLEEPSTORE_BINARY ?? join(root, "dist", "bleepstore");
if (!fromSource && !existsSync(binary)) throw new Error(`${binary} not found: run npm run build first, or pass --source`);
const withAws = process.argv.includes("--aws");
await using upstream = withAws ? await startServer({ args: ["--log-level", "error"] }) : undefined;
const backendEnv: Record<string, string> = process.argv.includes("--console-off") ? { BLEEPSTORE_CONSOLE_ENABLED: "false" } : {};
if (upstream) {
  const url = `${upstream.endpoint}/startup-upstream`;
  await fetch(url, signRequest(url, { method: "PUT" }));
  Object.assign(backendEnv, {
    AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    BLEEPSTORE_STORAGE_BACKEND: "aws", BLEEPSTORE_STORAGE_AWS_BUCKET: "startup-upstream",
    BLEEPSTORE_STORAGE_AWS_ENDPOINT_URL: upstream.endpoint, BLEEPSTORE_STORAGE_AWS_USE_PATH_STYLE: "true",
  });
}
const command = fromSource ? [process.execPath, join(root, "src", "main.ts")] : [binary];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const workersFlag = process.argv.indexOf("--workers");
// One process unless told: the budget is one process's.
const workers = workersFlag > 0 ? Number(process.argv[workersFlag + 1]) : 1;
/** Proportional set size of the process tree, MiB: pages shared by its processes (the executable's) counted once. */
const pssMiB = (pid: number) => processTree(pid).reduce((sum, p) => {
  try {
    return sum + Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))![1]) / 1024;
  } catch {
    return sum;
  }
}, 0);

/** One process's resident and proportional set, MiB. */
const own = (pid: number) => ({
  rss: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024,
  pss: Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))![1]) / 1024,
});

async function once(port: number): Promise<{ ms: number; idleMiB: number; pssMiB: number; processes: number; each: Array<{ rss: number; pss: number }> }> {
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-startup-"));
  const url = `http://127.0.0.1:${port}/`;
  const started = performance.now();
  const proc = Bun.spawn([...command, "--host", "127.0.0.1", "--port", String(port), "--data-dir", dir, "--log-level", "warn", "--workers", String(workers)], {
    cwd: dir, stdout: "ignore", stderr: "ignore", env: { ...serverEnv(), ...backendEnv },
  });
  try {
    for (;;) {
      // (A port some other process holds may take the connection and never answer.)
      const ok = await fetch(url, { ...signRequest(url), signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (proc.exitCode !== null) throw new PortTaken(port, proc.exitCode);
      if (performance.now() - started > 10_000) throw new Error("server did not answer within 10 s");
      await Bun.sleep(1);
    }
    const ms = performance.now() - started;
    // Every worker up (a single process answers /health without a list).
    for (let i = 0; i < 200; i++) {
      const h = await fetch(`${url}health`).then((r) => r.json() as Promise<{ status: string }>, () => null);
      if (h?.status === "ok") break;
      await Bun.sleep(25);
    }
    await Bun.sleep(1000);
    const tree = processTree(proc.pid);
    return { ms, idleMiB: rssMiB(proc.pid), pssMiB: pssMiB(proc.pid), processes: tree.length, each: tree.map(own) };
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The server exited before answering: most likely the random port was taken; the run is made on another. */
class PortTaken extends Error {
  constructor(port: number, code: number) {
    super(`the server exited (code ${code}) before answering on port ${port}`);
  }
}

const series = async () => {
  const results = [];
  let retries = 0;
  while (results.length < runs) {
    try {
      results.push(await once(19000 + Math.floor(Math.random() * 20000)));
    } catch (err) {
      if (!(err instanceof PortTaken) || ++retries > 3) throw err;
    }
  }
  return results;
};
// The binary's own pages are most of an idle process's RSS (RssFile ~42 of ~52 MiB), and how many a
// start maps depends on how they sit in the page cache: a binary just written (by the build, or a
// download) maps ~4.5 MiB more of itself than one read back from the disk, as after a reboot. So
// the compiled binary runs twice: as found, then after its pages are dropped from the cache; the
// report is the second, with the first beside it.
const asFound = fromSource ? undefined : await series();
if (!fromSource) evict(binary);
const results = await series();
const report = {
  bench: "startup",
  subject: `${fromSource ? "bun src/main.ts" : binary}${withAws ? " (storage.backend=aws)" : ""}${backendEnv.BLEEPSTORE_CONSOLE_ENABLED ? " (console off)" : ""}`,
  runs,
  startToFirstListBucketsMs: { median: +median(results.map((r) => r.ms)).toFixed(1), max: +Math.max(...results.map((r) => r.ms)).toFixed(1) },
  idleRssMiB: +median(results.map((r) => r.idleMiB)).toFixed(1),
  idlePssMiB: +median(results.map((r) => r.pssMiB)).toFixed(1),
  processes: median(results.map((r) => r.processes)),
  // With workers: the supervisor (first) and each worker, RSS / PSS.
  perProcess: results[Math.floor(results.length / 2)]!.each.map((p) => `${p.rss.toFixed(1)} / ${p.pss.toFixed(1)}`),
  ...(asFound ? { asFound: { startMs: +median(asFound.map((r) => r.ms)).toFixed(1), idleRssMiB: +median(asFound.map((r) => r.idleMiB)).toFixed(1) } } : {}),
  ...(fromSource ? {} : { binaryMiB: +(statSync(binary).size / 1024 / 1024).toFixed(1) }),
};
console.log(JSON.stringify(report));
console.log(`${report.subject}: first ListBuckets after ${report.startToFirstListBucketsMs.median} ms (median of ${runs}; budget 150), idle RSS ${report.idleRssMiB} MiB (budget 56), PSS ${report.idlePssMiB} MiB, ${report.processes} process(es)${"binaryMiB" in report ? `, binary ${report.binaryMiB} MiB` : ""}` +
  (report.asFound ? `; as found in the page cache before its pages were dropped: ${report.asFound.startMs} ms, ${report.asFound.idleRssMiB} MiB` : ""));

// Starts a real BleepStore for e2e tests: `bun src/main.ts` (or the compiled binary named by
// BLEEPSTORE_BINARY) on a free loopback port with a temp data dir. With BLEEPSTORE_ENDPOINT set, tests
// run against that server instead and the tests that must kill or restart a server are skipped.
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, processTree } from "./process-tree.ts";

const ROOT = join(import.meta.dir, "..", "..");
export const EXTERNAL_ENDPOINT = process.env.BLEEPSTORE_ENDPOINT;
export const ACCESS_KEY = process.env.BLEEPSTORE_TEST_ACCESS_KEY ?? "bleepstore";
export const SECRET_KEY = process.env.BLEEPSTORE_TEST_SECRET_KEY ?? "bleepstore-secret";

export interface TestServer {
  endpoint: string;
  dataDir: string;
  /** The server's process id (0 for an external server). */
  pid(): number;
  /** Sends SIGKILL and waits for the process to be gone. */
  kill9(): Promise<void>;
  /** Starts again on the same port and data dir (after kill9), with `env` in place of the first start's. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Kills the server and removes its data dir. */
  [Symbol.asyncDispose](): Promise<void>;
  logs(): string;
}

export function command(port: number, dataDir: string, args: string[]): string[] {
  const flags = ["--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, ...args];
  const binary = process.env.BLEEPSTORE_BINARY;
  return binary ? [binary, ...flags] : [process.execPath, join(ROOT, "src", "main.ts"), ...flags];
}

/** Drains a pipe line by line for the process's whole life (a full pipe would stall the server). */
function drainLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  return (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    }
  })();
}

/** The test run's environment without the harness's own BLEEPSTORE_* variables, which a server refuses. */
export function serverEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) =>
    !/^BLEEPSTORE_(ENDPOINT|BINARY|FUZZ_RUNS|TEST_\w+)$/.test(k)));
}

/** Spawns the server and resolves once it announces its port on stdout. */
async function spawnServer(port: number, dataDir: string, args: string[], env: Record<string, string>, sink: string[], stderrFile?: string, listenMs = 15_000) {
  const proc = Bun.spawn(command(port, dataDir, args), {
    cwd: dataDir,
    env: { ...serverEnv(), ...env },
    stdout: "pipe",
    stderr: stderrFile ? Bun.file(stderrFile) : "pipe",
  });
  let resolveListening!: (listening: { port: number; scheme: string }) => void;
  let rejectListening!: (err: Error) => void;
  const listening = new Promise<{ port: number; scheme: string }>((res, rej) => {
    resolveListening = res;
    rejectListening = rej;
  });
  const announced = /listening on (https?):\/\/[^\s]+:(\d+)$/;
  const stdout = drainLines(proc.stdout, (line) => {
    sink.push(line);
    const m = announced.exec(line);
    if (m) resolveListening({ scheme: m[1]!, port: Number(m[2]) });
  });
  const stderr = stderrFile ? Promise.resolve() : drainLines(proc.stderr as ReadableStream<Uint8Array>, (line) => sink.push(line));
  void Promise.all([stdout, stderr]).then(() => rejectListening(new Error(`server exited before listening:\n${sink.join("\n")}`)));
  const timer = setTimeout(() => rejectListening(new Error(`server did not listen within ${listenMs / 1000} s:\n${sink.join("\n")}`)), listenMs);
  try {
    return { proc, ...(await listening) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `stderrFile`: the server's stderr (its logs) goes to this file, as under a service manager, instead
 * of a pipe drained here (what a benchmark wants: the load generator does not read the logs).
 */
/**
 * `parentDir`: where the data directory is made (default: the system's temp directory); `listenMs`: how
 * long a start (and a restart) may take to listen (15 s; longer on an emulator that a load keeps busy).
 */
export async function startServer(options: { args?: string[]; env?: Record<string, string>; stderrFile?: string; parentDir?: string; listenMs?: number } = {}): Promise<TestServer> {
  if (EXTERNAL_ENDPOINT) {
    return {
      endpoint: EXTERNAL_ENDPOINT,
      dataDir: "",
      pid: () => 0,
      kill9: async () => { throw new Error("cannot kill an external server"); },
      restart: async () => { throw new Error("cannot restart an external server"); },
      [Symbol.asyncDispose]: async () => {},
      logs: () => "",
    };
  }
  const dataDir = mkdtempSync(join(options.parentDir ?? tmpdir(), "bleepstore-e2e-"));
  const sink: string[] = [];
  const args = options.args ?? [];
  const env = options.env ?? {};
  let { proc, port, scheme } = await spawnServer(0, dataDir, args, env, sink, options.stderrFile, options.listenMs);
  const server: TestServer = {
    endpoint: `${scheme}://127.0.0.1:${port}`,
    dataDir,
    pid: () => proc.pid,
    async kill9() {
      // The server is every process of it: a supervisor's workers die with it (the kernel's
      // parent-death signal), a moment after it; only then is nothing of it left holding the data.
      const tree = processTree(proc.pid);
      proc.kill("SIGKILL");
      await proc.exited;
      for (const deadline = Date.now() + 10_000; tree.some(alive) && Date.now() < deadline;) await Bun.sleep(5);
    },
    async restart(newEnv?: Record<string, string>) {
      ({ proc, port } = await spawnServer(port, dataDir, args, newEnv ?? env, sink, options.stderrFile, options.listenMs));
    },
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
    logs: () => sink.join("\n"),
  };
  return server;
}

export type { Subprocess };

/** Runs the bleepstore executable (the compiled binary under BLEEPSTORE_BINARY) with `args`, to completion. */
export async function runCli(args: string[], options: { env?: Record<string, string>; stdin?: string; cwd?: string; timeoutMs?: number } = {}) {
  const binary = process.env.BLEEPSTORE_BINARY;
  const cmd = binary ? [binary, ...args] : [process.execPath, join(ROOT, "src", "main.ts"), ...args];
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? tmpdir(),
    env: { ...serverEnv(), ...options.env },
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
    ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: "SIGKILL" } : {}),
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

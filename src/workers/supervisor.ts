// The supervisor of server.workers: it holds the data directory's lock, prepares what the workers
// share (workers/: the change epoch, the job leases), clears what the last run left (temp files,
// leases), starts the first worker, and once it listens starts the others on the same port
// (Bun.serve's reusePort: the kernel spreads connections over them). A worker that dies is logged,
// its job leases freed, and started again. It serves nothing itself; a worker ends when it does.
import type { Subprocess } from "bun";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { SharedEpoch } from "../change-epoch.ts";
import { releaseAll, releaseNode } from "../cluster/sqlite-store.ts";
import type { Config } from "../config.ts";
import { lockDataDir } from "../data-lock.ts";
import { checkDirs } from "../startup.ts";
import type { Logger } from "../log.ts";
import { WORKER_ENV } from "../worker-env.ts";
import { epochPath, leasesPath, runDirOf } from "./worker.ts";

/** A worker that dies sooner than this after its start is started again after a growing pause. */
const STEADY_MS = 5000;
const MAX_PAUSE_MS = 5000;

/** How this program is started again: a compiled executable is its own entry point; from source, Bun needs its flags and the script. */
function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/");
  return compiled ? [process.execPath, ...process.argv.slice(2)] : [process.execPath, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
}

interface Running {
  proc: Subprocess;
  startedAt: number;
}

export async function supervise(config: Config, count: number, log: Logger): Promise<void> {
  // The same checks, worded the same way, as a single process makes before it opens anything.
  checkDirs(config);
  const runDir = runDirOf(config.metadata.sqlite.path);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  lockDataDir(dirname(config.metadata.sqlite.path));
  new SharedEpoch(epochPath(runDir));
  releaseAll(leasesPath(runDir));
  // Writes a crash cut short (every worker's, and a single process's before): nobody writes now.
  if (config.storage.backend === "local") rmSync(join(config.storage.local.root_dir, ".tmp"), { recursive: true, force: true });

  const workers = new Map<number, Running>();
  const pauses = new Map<number, number>();
  let stopping = false;
  let port = 0;

  const start = (index: number, first: boolean): Promise<number> => new Promise((resolve, reject) => {
    const proc = Bun.spawn(selfCommand(), {
      stdin: "pipe", stdout: "inherit", stderr: "inherit",
      env: { ...process.env, [WORKER_ENV]: `${index}/${count}${first ? "/first" : ""}@${process.pid}`, ...(port ? { BLEEPSTORE_PORT: String(port) } : {}) },
      ipc(message: { listening?: number }) {
        if (typeof message?.listening === "number") resolve(message.listening);
      },
      onExit(_proc, exitCode, signal) {
        const gone = workers.get(index);
        if (gone?.proc !== proc) return;
        workers.delete(index);
        releaseNode(leasesPath(runDir), `w${index}.${proc.pid}`);
        if (stopping) return;
        if (first && port === 0) return reject(Object.assign(new Error("the first worker stopped before it listened"), { exitCode }));
        const lived = Date.now() - gone.startedAt;
        const pause = lived > STEADY_MS ? 0 : Math.min(MAX_PAUSE_MS, Math.max(250, (pauses.get(index) ?? 0) * 2));
        pauses.set(index, pause);
        log.error("worker process died; starting it again", { worker: index, pid: proc.pid, exitCode, signal: signal ?? undefined, restartInMs: pause });
        setTimeout(() => {
          if (!stopping) start(index, false).catch(cannotStart(index));
        }, pause);
      },
    });
    workers.set(index, { proc, startedAt: Date.now() });
  });

  // A spawn that fails (the executable gone from under the server) leaves that worker out, said once.
  const cannotStart = (index: number) => (err: unknown) => log.error("worker process could not be started", { worker: index, err });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const { proc } of workers.values()) proc.kill(signal);
    const left = [...workers.values()].map(({ proc }) => proc.exited);
    const force = setTimeout(() => {
      for (const { proc } of workers.values()) proc.kill("SIGKILL");
    }, 5000);
    void Promise.all(left).then(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGTERM"));
  process.on("exit", () => {
    for (const { proc } of workers.values()) proc.kill("SIGKILL");
  });

  try {
    port = await start(1, true);
  } catch (err) {
    // The worker said why on stderr; its exit code is the server's.
    process.exit((err as { exitCode?: number }).exitCode || 1);
  }
  for (let index = 2; index <= count; index++) void start(index, false).catch(cannotStart(index));
}

// This process as one of the worker processes of server.workers: which one it is (told by its
// supervisor in its environment), where the workers keep what they share (workers/ beside the data:
// the change epoch and the job leases; each worker's socket), and its ties to the supervisor: it says
// when it listens and on which port, and it ends when the supervisor does (kill -9 included: the
// kernel's parent-death signal at once, and the channel and the stdin pipe closing with it).
import { join, resolve } from "node:path";
import { supervisorOf, WORKER_ENV } from "../worker-env.ts";
import { dieWithParent } from "./parent-death.ts";

export interface WorkerRole {
  /** 1…count. */
  index: number;
  count: number;
  /** workers/ beside the metadata database. */
  runDir: string;
  /** This worker's name among them (its temp and spool directories, its job leases: with its pid). */
  name: string;
  /** The first worker's first start: it announces the server, and nothing else runs yet. */
  first: boolean;
}

/** Where the workers of a server keep what they share. */
export const runDirOf = (metadataPath: string): string => join(metadataPath, "..", "workers");
export const epochPath = (runDir: string) => join(runDir, "epoch");
export const leasesPath = (runDir: string) => join(runDir, "leases.db");
/**
 * A worker's own socket: in Linux's abstract namespace (no file in the data directory for backups and
 * scanners to trip on), named after the data directory, so two servers on one machine never meet.
 */
export const socketPath = (runDir: string, index: number) =>
  `\0bleepstore-${new Bun.CryptoHasher("sha256").update(resolve(runDir)).digest("hex").slice(0, 24)}-w${index}`;

/** This process's role, when a supervisor started it as a worker. */
export function workerRole(metadataPath: string, env: Record<string, string | undefined> = process.env): WorkerRole | undefined {
  const m = /^(\d+)\/(\d+)(\/first)?@\d+$/.exec(env[WORKER_ENV] ?? "");
  if (!m) return undefined;
  const index = Number(m[1]);
  return { index, count: Number(m[2]), runDir: runDirOf(metadataPath), name: `w${index}`, first: m[3] !== undefined };
}

/** Ends this worker when its supervisor is gone, however it went. */
export function followSupervisor(supervisor: number = supervisorOf()): void {
  dieWithParent(supervisor);
  process.on("disconnect", () => process.exit(0));
  void (async () => {
    const reader = Bun.stdin.stream().getReader();
    while (!(await reader.read()).done);
    process.exit(0);
  })();
}

/** Tells the supervisor this worker serves, and where (the first worker's port is the one all share). */
export function reportListening(port: number): void {
  process.send?.({ listening: port });
}

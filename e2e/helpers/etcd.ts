// A real etcd (Debian's etcd-server 3.4) for the tests: one member, or a cluster of three, on free
// loopback ports in a temp directory, stopped and removed after. Members can be killed (SIGKILL) and
// started again with their data, to test a leader lost under load.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { until } from "./until.ts";

const BINARY = "/usr/bin/etcd";

/** Why etcd cannot run here, if it cannot. */
export function etcdUnavailable(): string | undefined {
  return Bun.file(BINARY).size > 0 ? undefined : `${BINARY} is not installed (apt-get install etcd-server)`;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

interface Member { name: string; client: number; peer: number; proc: Subprocess | null }

export interface Etcd extends AsyncDisposable {
  /** Client URLs, one per member. */
  endpoints: string[];
  /** The member that leads now (its index), as the members report it. */
  leader(): Promise<number>;
  kill(i: number): Promise<void>;
  start(i: number): Promise<void>;
}

export async function startEtcd(members = 1): Promise<Etcd> {
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-etcd-"));
  const list: Member[] = Array.from({ length: members }, (_, i) => ({ name: `m${i}`, client: freePort(), peer: freePort(), proc: null }));
  const initial = list.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(",");
  const endpoints = list.map((m) => `http://127.0.0.1:${m.client}`);
  const spawn = (i: number) => {
    const m = list[i]!;
    m.proc = Bun.spawn([BINARY, "--name", m.name, "--data-dir", join(dir, m.name),
      "--listen-client-urls", `http://127.0.0.1:${m.client}`, "--advertise-client-urls", `http://127.0.0.1:${m.client}`,
      "--listen-peer-urls", `http://127.0.0.1:${m.peer}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${m.peer}`,
      "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", `bleepstore-${list[0]!.client}`,
      "--heartbeat-interval", "50", "--election-timeout", "500", "--log-level", "error"], { stdout: "ignore", stderr: "ignore" });
  };
  const healthy = async (i: number) => {
    try {
      const res = await fetch(`${endpoints[i]}/health`, { signal: AbortSignal.timeout(1000) });
      return res.ok && ((await res.json()) as { health?: string }).health === "true";
    } catch {
      return false;
    }
  };
  list.forEach((_, i) => spawn(i));
  await until(async () => (await Promise.all(list.map((_, i) => healthy(i)))).every(Boolean), "etcd members healthy", 60_000);
  return {
    endpoints,
    async leader() {
      for (const [i] of list.entries()) {
        if (!list[i]!.proc) continue;
        try {
          const res = await fetch(`${endpoints[i]}/v3/maintenance/status`, { method: "POST", body: "{}" });
          const s = (await res.json()) as { header?: { member_id?: string }; leader?: string };
          if (s.leader && s.header?.member_id === s.leader) return i;
        } catch {
          // that member is down
        }
      }
      return -1;
    },
    async kill(i) {
      const p = list[i]!.proc;
      list[i]!.proc = null;
      p?.kill("SIGKILL");
      await p?.exited;
    },
    async start(i) {
      spawn(i);
      await until(() => healthy(i), `etcd member ${i} healthy again`, 60_000);
    },
    async [Symbol.asyncDispose]() {
      for (const m of list) m.proc?.kill("SIGKILL");
      await Promise.all(list.map((m) => m.proc?.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

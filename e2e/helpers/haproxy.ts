// Debian's HAProxy as the load balancer in front of a cluster's nodes (round robin, HTTP mode), on a
// free loopback port, stopped after. It passes the Host header through, so SigV4 signatures made for
// the balancer's address verify on every node.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until } from "./until.ts";

const BINARY = "/usr/sbin/haproxy";

export function haproxyUnavailable(): string | undefined {
  return Bun.file(BINARY).size > 0 ? undefined : `${BINARY} is not installed (apt-get install haproxy)`;
}

export interface Balancer extends AsyncDisposable {
  endpoint: string;
}

export async function startHaproxy(backends: string[]): Promise<Balancer> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-haproxy-"));
  const servers = backends.map((b, i) => `  server n${i} ${new URL(b).host} check inter 1s fall 2 rise 1`).join("\n");
  writeFileSync(join(dir, "haproxy.cfg"), `global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  option http-keep-alive
frontend s3
  bind 127.0.0.1:${port}
  default_backend nodes
backend nodes
  balance roundrobin
  retry-on conn-failure empty-response
  retries 2
  option redispatch
${servers}
`);
  const proc = Bun.spawn([BINARY, "-f", join(dir, "haproxy.cfg"), "-db"], { stdout: "ignore", stderr: "pipe" });
  const endpoint = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (proc.exitCode !== null) throw new Error(`haproxy exited: ${await new Response(proc.stderr).text()}`);
    return fetch(`${endpoint}/healthz`).then((r) => r.ok, () => false);
  }, "haproxy answering", 30_000);
  return {
    endpoint,
    async [Symbol.asyncDispose]() {
      proc.kill("SIGKILL");
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

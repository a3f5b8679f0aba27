// Real brokers for the event tests, each started on a free loopback port in a temp directory and
// stopped after the file: Debian's redis-server, nats-server (JetStream) and rabbitmq-server, and a
// webhook receiver served by the test itself. Each can be stopped and started again on the same port
// with its data kept (the outage tests), and read back with the broker's own client, as a consumer would.
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { until } from "./until.ts";

export type BrokerKind = "redis" | "rabbitmq" | "nats" | "webhook";

/** One message as the consumer received it. */
export interface Received {
  /** The idempotency key the broker carries (stream field, message id, Nats-Msg-Id, header). */
  id: string;
  body: unknown;
}

export interface Broker extends AsyncDisposable {
  kind: BrokerKind;
  url: string;
  /** Everything published so far under `name` (the stream/exchange/subject prefix), in broker order. */
  received(name: string): Promise<Received[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** The broker's own process (its CPU is the broker's share of a benchmark); none for the in-process webhook receiver. */
  pid(): number | undefined;
}

const BINARIES: Record<Exclude<BrokerKind, "webhook">, string> = {
  redis: "/usr/bin/redis-server",
  nats: "/usr/sbin/nats-server",
  rabbitmq: "/usr/sbin/rabbitmq-server",
};

/** Why `kind` cannot run here, if it cannot. */
export function brokerUnavailable(kind: BrokerKind): string | undefined {
  if (kind === "webhook") return undefined;
  return Bun.file(BINARIES[kind]).size > 0 ? undefined : `${BINARIES[kind]} is not installed (apt-get install ${kind === "nats" ? "nats-server" : `${kind}-server`})`;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

async function portOpen(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** A broker process run by `spawn` on `port`: started, stopped (SIGTERM, data kept), started again. */
function processBroker(port: number, dir: string, spawn: () => Subprocess, readyMs: number) {
  let proc: Subprocess | null = null;
  return {
    async start() {
      proc = spawn();
      const p = proc;
      await until(async () => {
        if (p.exitCode !== null) throw new Error(`broker exited with ${p.exitCode}: ${await new Response(p.stderr as ReadableStream).text()}`);
        return portOpen(port);
      }, `a broker listening on 127.0.0.1:${port}`, readyMs);
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p) return;
      p.kill("SIGTERM");
      const exited = await Promise.race([p.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
      if (!exited) p.kill("SIGKILL");
      await p.exited;
    },
    pid: () => proc?.pid,
    async dispose() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers the hooks: a broker of `kind` started before the file's (or describe's) tests, stopped after. */
export function brokerFixture(kind: BrokerKind): { broker: Broker } {
  const fixture = {} as { broker: Broker };
  beforeAll(async () => {
    fixture.broker = await startBroker(kind);
  }, 180_000);
  afterAll(async () => {
    await fixture.broker?.[Symbol.asyncDispose]();
  }, 60_000);
  return fixture;
}

export async function startBroker(kind: BrokerKind): Promise<Broker> {
  switch (kind) {
    case "redis": return startRedis();
    case "nats": return startNats();
    case "rabbitmq": return startRabbit();
    case "webhook": return startWebhook();
  }
}

async function startRedis(): Promise<Broker> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-redis-"));
  // Append-only with fsync always, so a stop and start keeps every entry the server confirmed.
  const p = processBroker(port, dir, () => Bun.spawn([BINARIES.redis, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir,
    "--save", "", "--appendonly", "yes", "--appendfsync", "always"], { stdout: "ignore", stderr: "pipe" }), 20_000);
  await p.start();
  const url = `redis://127.0.0.1:${port}`;
  return {
    kind: "redis", url, start: () => p.start(), stop: () => p.stop(), pid: p.pid, [Symbol.asyncDispose]: () => p.dispose(),
    async received(name) {
      const client = new Bun.RedisClient(url);
      try {
        const entries = (await client.send("XRANGE", [`${name}:events`, "-", "+"])) as Array<[string, string[]]>;
        return entries.map(([, fields]) => {
          const f: Record<string, string> = {};
          for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
          return { id: f.id!, body: JSON.parse(f.event!) };
        });
      } finally {
        client.close();
      }
    },
  };
}

async function startNats(): Promise<Broker> {
  const port = freePort();
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-nats-"));
  const p = processBroker(port, dir, () => Bun.spawn([BINARIES.nats, "-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdout: "ignore", stderr: "pipe" }), 20_000);
  await p.start();
  const url = `nats://127.0.0.1:${port}`;
  return {
    kind: "nats", url, start: () => p.start(), stop: () => p.stop(), pid: p.pid, [Symbol.asyncDispose]: () => p.dispose(),
    async received(name) {
      const { connect } = await import("@nats-io/transport-node");
      const { jetstreamManager } = await import("@nats-io/jetstream");
      const nc = await connect({ servers: url });
      try {
        const jsm = await jetstreamManager(nc);
        const stream = name.toUpperCase().replace(/[^A-Z0-9_-]/g, "_");
        const info = await jsm.streams.info(stream).catch(() => null);
        const out: Received[] = [];
        if (!info) return out;
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
          const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (m) out.push({ id: m.header?.get("Nats-Msg-Id") ?? "", body: m.json() });
        }
        return out;
      } finally {
        await nc.close();
      }
    },
  };
}

async function startRabbit(): Promise<Broker> {
  const port = freePort();
  const dist = freePort();
  // Erlang's port mapper (epmd) is started as a daemon by the broker: on a port of its own, so that it
  // can be stopped after the file without touching another epmd.
  const epmdPort = String(freePort());
  const dir = mkdtempSync(join(tmpdir(), "bleepstore-rabbitmq-"));
  // Classic queues on their second storage version (CQv2): opt-in in Debian's 3.10, recommended for every
  // new deployment since 3.13 and the only one since 4.3 — the broker people run today (measured here:
  // 70–98 µs of broker CPU per persistent confirmed message against 81–103 for CQv1).
  writeFileSync(join(dir, "rabbitmq.conf"), `listeners.tcp.1 = 127.0.0.1:${port}\nloopback_users = none\nclassic_queue.default_version = 2\n`);
  writeFileSync(join(dir, "plugins"), "[].\n");
  const node = `bleepstore-${port}@localhost`;
  const env = {
    ...process.env, HOME: dir, RABBITMQ_HOME: "/usr/lib/rabbitmq", RABBITMQ_MNESIA_BASE: join(dir, "mnesia"), RABBITMQ_LOG_BASE: join(dir, "log"),
    RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq"), RABBITMQ_NODENAME: node, RABBITMQ_DIST_PORT: String(dist),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "plugins"), RABBITMQ_PID_FILE: join(dir, "pid"), ERL_EPMD_ADDRESS: "127.0.0.1", ERL_EPMD_PORT: epmdPort,
    // The Erlang schedulers' busy waiting off, as for any broker that shares its cores: spinning while
    // idle is CPU time taken from the server and the load generator on the same two cores.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none",
  };
  const p = processBroker(port, dir, () => Bun.spawn(["/usr/lib/rabbitmq/bin/rabbitmq-server"], { env, stdout: "ignore", stderr: "pipe" }), 120_000);
  await p.start();
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  // A queue is read by taking its messages: what was taken is kept here, so each read returns them all.
  const taken = new Map<string, Received[]>();
  return {
    kind: "rabbitmq", url, start: () => p.start(), stop: () => p.stop(), pid: p.pid,
    async [Symbol.asyncDispose]() {
      await p.dispose();
      Bun.spawnSync(["/usr/bin/epmd", "-kill"], { env: { ...process.env, ERL_EPMD_PORT: epmdPort } });
    },
    async received(name) {
      const amqp = await import("amqplib");
      const connection = await amqp.connect(url);
      try {
        const channel = await connection.createChannel();
        const queue = `${name}.events`;
        const list = taken.get(queue) ?? [];
        taken.set(queue, list);
        for (;;) {
          const m = await channel.get(queue, { noAck: true });
          if (m === false) break;
          list.push({ id: String(m.properties.messageId), body: JSON.parse(m.content.toString()) });
        }
        return [...list];
      } finally {
        await connection.close();
      }
    },
  };
}

async function startWebhook(): Promise<Broker> {
  const got: Array<Received & { path: string; signature: string | null }> = [];
  let server: ReturnType<typeof Bun.serve> | null = null;
  const port = freePort();
  const start = async () => {
    server = Bun.serve({
      hostname: "127.0.0.1", port,
      async fetch(req) {
        const text = await req.text();
        got.push({ id: req.headers.get("x-bleepstore-event-id") ?? "", body: JSON.parse(text), path: new URL(req.url).pathname, signature: req.headers.get("x-bleepstore-signature") });
        return new Response(null, { status: 204 });
      },
    });
  };
  await start();
  return {
    kind: "webhook", url: `http://127.0.0.1:${port}`, start, pid: () => undefined,
    async stop() {
      await server?.stop(true);
      server = null;
    },
    async [Symbol.asyncDispose]() {
      await server?.stop(true);
    },
    // The name is the path events were posted to.
    async received(name) {
      return got.filter((m) => m.path === `/${name}`);
    },
  };
}

// Serving: check the data directories → build stores → recover → create app → listen → announce —
// in the one process (server.workers: 1), or in each worker process a supervisor started.
// There is no shutdown path: every start is a recovery, so kill -9 is always safe.
import { dirname, join } from "node:path";
import { announce, listenUrls } from "./banner.ts";
import { cosmosUsesIdentity, storageUsesIdentity } from "./azure-identity.ts";
import { S3Error } from "./errors.ts";
import { VERSION } from "./cli.ts";
import type { Config } from "./config.ts";
import { shown } from "./config-view.ts";
import { Engine } from "./core/engine.ts";
import { checkMasterKey, loadMasterKey, masterKeyPath, warnGenerated } from "./master-key.ts";
import { Elysia } from "elysia";
import { mountLazy, type LazyRoutes } from "./server/lazy-routes.ts";
import { ConsoleSessions, SignInLimiter } from "./server/console/session.ts";
import { createMetadataStore } from "./metadata/index.ts";
import type { MetadataStore } from "./metadata/store.ts";
import { createApp } from "./server/app.ts";
import { BodySpool } from "./server/sized-body.ts";
import { setPeerResolver } from "./server/peer.ts";
import { checkDirs, StartupError } from "./startup.ts";
import type { StorageBackend } from "./storage/backend.ts";
import { createStorage } from "./storage/index.ts";
import { settleAfterStart, startMemoryGovernor } from "./core/gc.ts";
import { nodeId } from "./node-id.ts";
import { AccessLogSpool, unownedSpools } from "./core/access-log-spool.ts";
import { SharedEpoch, type ChangeEpoch } from "./change-epoch.ts";
import { ClusterNode } from "./cluster/node.ts";
import { lockDataDir } from "./data-lock.ts";
import { batched, createLogger, PIPE_ATOMIC, type Logger } from "./log.ts";
import { epochPath, followSupervisor, leasesPath, reportListening, type WorkerRole } from "./workers/worker.ts";
import { SharedSignInLimiter } from "./server/console/shared-sign-in-limiter.ts";

const CLOUD_TIMEOUT_MS = 15_000;
const CLUSTER_RECONCILE_EVERY_MS = 5 * 60_000;
/** How often a worker process looks whether another one committed (the change epoch), for event delivery. */
const EPOCH_POLL_MS = 20;

/** A cloud engine that does not answer stops start-up with its endpoint named. */
async function reachable(what: string, endpoint: string, ping: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([ping(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CLOUD_TIMEOUT_MS / 1000} s`)), CLOUD_TIMEOUT_MS)))]);
  } catch (err) {
    // What the SDK met, not the S3 error a client would be shown for it.
    const cause = err instanceof S3Error && err.cause !== undefined ? err.cause : err;
    throw new StartupError(`${what} cannot be reached at ${endpoint}: ${String((cause as Error).message ?? cause).split("\n")[0]}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The stores, not yet opened (Engine.start opens them); `node`: this node's id in a cluster, or this
 * worker's name; `changes`: the epoch worker processes share.
 */
async function createStores(config: Config, node?: string, changes?: ChangeEpoch): Promise<{ metadata: MetadataStore; storage: StorageBackend }> {
  checkDirs(config);
  const metadata = await createMetadataStore(config, changes);
  return { metadata, storage: await createStorage(config, metadata, node) };
}

/** This node's id: cluster.node_id, or the stable one kept in the data directory. */
const thisNode = (config: Config) => config.cluster.node_id || nodeId(dirname(config.metadata.sqlite.path));

/** Before anything else opens: a cloud engine or backend answers, or start-up stops naming its endpoint. */
async function checkReachable(config: Config, { metadata, storage }: { metadata: MetadataStore; storage: StorageBackend }): Promise<void> {
  if (config.metadata.engine === "dynamodb") {
    const d = config.metadata.dynamodb;
    // init opens the table (and creates it when missing): the first request that can fail.
    await reachable(`metadata dynamodb (table ${d.table})`, d.endpoint_url || `https://dynamodb.${d.region}.amazonaws.com`, () => metadata.init());
  }
  if (config.metadata.engine === "firestore") {
    const f = config.metadata.firestore;
    await reachable(`metadata firestore (project ${f.project})`, f.endpoint || "https://firestore.googleapis.com", () => metadata.init());
  }
  if (config.metadata.engine === "cosmos") {
    const c = config.metadata.cosmos;
    // The endpoint only, never the connection string (it holds the key).
    const endpoint = /AccountEndpoint=([^;]+)/i.exec(c.connection_string)?.[1] ?? c.endpoint;
    const identity = cosmosUsesIdentity(c) ? ", Entra ID identity" : "";
    await reachable(`metadata cosmos (database ${c.database}, container ${c.container}${identity})`, endpoint, () => metadata.init());
  }
  if (config.metadata.engine === "etcd") {
    const e = config.metadata.etcd;
    await reachable(`metadata etcd (prefix ${e.prefix})`, e.endpoints.join(","), () => metadata.init());
  }
  if (config.storage.backend === "aws") {
    const endpoint = config.storage.aws.endpoint_url || `https://s3.${config.storage.aws.region}.amazonaws.com`;
    await reachable(`storage aws (bucket ${config.storage.aws.bucket})`, endpoint, () => storage.ping());
  }
  if (config.storage.backend === "azure") {
    const a = config.storage.azure;
    // The endpoint only, never the connection string (it holds the key).
    const endpoint = /BlobEndpoint=([^;]+)/i.exec(a.connection_string)?.[1]
      ?? `https://${/AccountName=([^;]+)/i.exec(a.connection_string)?.[1] ?? a.account}.blob.core.windows.net`;
    // init creates the container when missing, so it proves more than a ping would on a first start.
    const identity = storageUsesIdentity(a) ? ", Entra ID identity" : "";
    await reachable(`storage azure (container ${a.container}${identity})`, endpoint, () => storage.init());
  }
  if (config.storage.backend === "gcp") {
    const g = config.storage.gcp;
    await reachable(`storage gcp (bucket ${g.bucket})`, process.env.STORAGE_EMULATOR_HOST || "https://storage.googleapis.com", () => storage.ping());
  }
}

/** `shared`: worker processes listen on one port (the kernel spreads connections over them). */
function listen(config: Config, fetch: (req: Request) => Response | Promise<Response>, port = config.server.port, shared = false): number | Promise<number> {
  const tls = config.server.tls.cert_file ? { cert: Bun.file(config.server.tls.cert_file), key: Bun.file(config.server.tls.key_file) } : undefined;
  if (config.server.http_engine === "node") {
    if (tls) throw new StartupError("server.tls works with server.http_engine: bun only");
    return import("./server/node-listener.ts").then((m) => m.listenNode(fetch, {
      host: config.server.host, port, idleTimeoutSeconds: config.server.idle_timeout_seconds,
    }));
  }
  const serve = () => Bun.serve({
    hostname: config.server.host,
    port,
    fetch,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: config.server.idle_timeout_seconds,
    ...(shared ? { reusePort: true } : {}),
    ...(tls ? { tls } : {}),
  });
  const started = (server: ReturnType<typeof serve>) => {
    setPeerResolver((request) => server.requestIP(request)?.address);
    return server.port ?? port;
  };
  try {
    return started(serve());
  } catch (err) {
    if ((err as { code?: string }).code !== "EADDRINUSE") throw err;
  }
  // Restarted at once after a crash, the port may still be held for a moment by what the dead process
  // left: tried again for up to 3 s before "already in use" is the answer.
  return (async () => {
    for (let waited = 0; ; waited += 100) {
      await Bun.sleep(100);
      try {
        return started(serve());
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE" || waited >= 3000) throw err;
      }
    }
  })();
}

export async function check(config: Config): Promise<void> {
  const { metadata, storage } = await createStores(config);
  await checkReachable(config, { metadata, storage });
  await metadata.init();
  await storage.init();
  await storage.ping();
  await metadata.close();
  await storage.close();
  // The port: bound and released at once.
  if (config.server.port !== 0 && config.server.http_engine === "bun") {
    Bun.serve({ hostname: config.server.host, port: config.server.port, fetch: () => new Response() }).stop(true);
  }
  process.stdout.write(`${JSON.stringify(shown(config), null, 2)}\nconfig OK\n`);
}

/** Jobs for a worker process: one worker at a time runs each, under a lease in workers/leases.db. */
async function workerJobs(config: Config, role: WorkerRole, log: Logger): Promise<ClusterNode> {
  const { SqliteClusterStore } = await import("./cluster/sqlite-store.ts");
  // Which worker runs which job is a detail here (a cluster's nodes log it at info).
  const quiet = { ...log, info: log.debug };
  const jobs = new ClusterNode(
    new SqliteClusterStore(leasesPath(role.runDir)), `${role.name}.${process.pid}`, VERSION,
    config.cluster.lease_ttl_seconds, quiet, config.cluster.reconcile_grace_seconds,
  );
  await jobs.start();
  return jobs;
}

/** `role`: this process is one of several worker processes (server.workers), started by a supervisor. */
export async function serve(config: Config, role?: WorkerRole): Promise<void> {
  const startedAt = Date.now();
  // Worker processes share the supervisor's stderr: batches stay within what a pipe writes whole.
  const log = createLogger(config.logging.level, role && config.logging.level !== "silent" ? batched(undefined, PIPE_ATOMIC) : undefined);
  if (role) followSupervisor();
  const changes = role ? new SharedEpoch(epochPath(role.runDir)) : undefined;
  // A promise that failed with nobody waiting for it is a bug, but not a reason to drop every
  // request in flight: it is logged (level error) and the server goes on.
  process.on("unhandledRejection", (err: unknown) => log.error("unhandled rejection", { err }));
  const node = config.cluster.enabled ? thisNode(config) : undefined;
  const stores = await createStores(config, node ?? role?.name, changes);
  // One server per data directory (a supervisor holds the lock for its workers); after the directory checks.
  if (!role && config.metadata.engine === "sqlite" && config.metadata.sqlite.path !== ":memory:") lockDataDir(dirname(config.metadata.sqlite.path));
  await checkReachable(config, stores);
  // Cluster mode: registered (and able to take background jobs) before recovery runs any.
  const cluster = node ? await (await import("./cluster/start.ts")).joinCluster(config, stores.metadata, node, VERSION, log) : undefined;
  // Background jobs run on one node, or one worker process, at a time.
  const jobs = cluster ?? (role ? await workerJobs(config, role, log) : undefined);
  const master = loadMasterKey(config);
  const engine = new Engine({
    ...stores,
    region: config.server.region,
    log,
    credentials: [{ accessKey: config.auth.access_key, secretKey: config.auth.secret_key }],
    uploadTtlMs: config.multipart.upload_ttl_seconds * 1000,
    masterKey: master.key,
    notificationTargets: config.notifications.targets.map((t) => t.id),
    lifecycleDayMs: config.lifecycle.day_seconds * 1000,
    lifecycleProgressPath: join(dirname(config.metadata.sqlite.path), "lifecycle-scan.json"),
    ...(jobs ? { cluster: jobs } : {}),
    ...(changes ? { changes } : {}),
  });
  // Before recovery: events a crash left in the outbox go out through the queue, not around it.
  const configured = config.queue.enabled || config.notifications.targets.length > 0;
  const queue = configured ? await (await import("./queue/setup.ts")).startQueue(config, engine, (m, f) => log.warn(m, f)) : null;
  await engine.start();
  await checkMasterKey(stores.metadata, master, masterKeyPath(config));
  // async: writes answered once queued, applied by this node's consumer (those a crash left, first).
  const asyncWrites = queue && config.queue.consistency === "async" ? await (await import("./server/async-start.ts")).startAsyncWrites(config, engine, log) : undefined;

  // Server access logs: records spooled beside the data before each answer, shipped as log objects every
  // flush; each worker process keeps a spool of its own, and the first ships what no running one owns.
  const logsDir = join(dirname(config.metadata.sqlite.path), "access-logs");
  const accessLog = new AccessLogSpool(role ? join(logsDir, role.name) : logsDir, engine, log);
  const spools = [accessLog, ...(!role || role.index === 1 ? unownedSpools(logsDir, role?.count ?? 0).map((dir) => new AccessLogSpool(dir, engine, log)) : [])];
  const shipLogs = () => void Promise.all(spools.map((s) => s.flush())).catch((err: unknown) => log.error("access log delivery failed; it is tried again", { err }));
  shipLogs();
  setInterval(shipLogs, config.access_logs.flush_seconds * 1000).unref();
  let consoleRoutes: LazyRoutes | undefined;
  const consoleSessions = new ConsoleSessions(master.key, stores.metadata);
  // Sign-out records outlive their sessions only until the next pass.
  const pruneSessions = () => void (async () => {
    if (!jobs || (await jobs.leads("console-sessions"))) await consoleSessions.prune();
  })().catch((err: unknown) => log.warn("console session clean-up failed; it is tried again", { err }));
  if (config.console.enabled) {
    pruneSessions();
    setInterval(pruneSessions, 3600_000).unref();
  }
  const app = await createApp({
    engine,
    log,
    accessLog,
    domain: config.server.domain,
    version: VERSION,
    healthChecks: config.observability.health_check,
    exposeMetrics: config.observability.metrics,
    apiDocs: config.observability.api_docs,
    adminToken: config.admin.token,
    sseCOverHttp: config.encryption.allow_sse_c_over_http,
    signatureV2: config.auth.signature_v2,
    ...(queue ? { queue } : {}),
    ...(cluster ? { cluster } : {}),
    ...(role && jobs ? { worker: { role, jobs } } : {}),
    ...(asyncWrites ? { asyncWrites } : {}),
    ...(config.server.http_engine === "bun" ? { spool: new BodySpool(join(dirname(config.metadata.sqlite.path), "spool", ...(role ? [role.name] : []))) } : {}),
    ...(config.console.enabled ? {
      console: {
        sessions: consoleSessions, limiter: role ? new SharedSignInLimiter(leasesPath(role.runDir)) : new SignInLimiter(), config: shown(config), dataDir: dirname(config.metadata.sqlite.path),
        ...(config.console.port > 0 ? { separate: (routes: LazyRoutes) => void (consoleRoutes = routes) } : {}),
      },
    } : {}),
  });
  const port = await listen(config, app.fetch, config.server.port, role !== undefined);
  let consoleUrl = config.console.enabled ? `${listenUrls(config, port)[0]!}/_bleepstore/console/` : undefined;
  if (consoleRoutes) {
    // console.port: the console alone on a port of its own (its root leads to it).
    const only = new Elysia().get("/", () => Response.redirect("/_bleepstore/console/", 302));
    mountLazy(only, consoleRoutes);
    consoleUrl = `${listenUrls(config, await listen(config, only.fetch, config.console.port, role !== undefined))[0]!}/_bleepstore/console/`;
  }
  startMemoryGovernor();
  const urls = listenUrls(config, port);
  // Lifecycle: a pass every interval (in a cluster, on the node that holds the job).
  let lifecycleRunning = false;
  setInterval(() => {
    if (lifecycleRunning) return;
    lifecycleRunning = true;
    void (async () => {
      if (jobs && !(await jobs.leads("lifecycle"))) return;
      const pass = await engine.lifecycle.run();
      const { expired, noncurrent, markers, aborted } = pass;
      if (expired + noncurrent + markers + aborted > 0) log.info("lifecycle pass", { expired, noncurrent, markers, aborted });
    })().catch((err: unknown) => log.error("lifecycle pass failed", { err })).finally(() => {
      lifecycleRunning = false;
    });
  }, config.lifecycle.interval_seconds * 1000).unref();
  cluster?.setUrls(urls);
  if (jobs) {
    // A node (or worker) that takes over event delivery finds what the last one left pending.
    setInterval(() => engine.events.kick(), (config.cluster.lease_ttl_seconds * 1000) / 2).unref();
    if (changes) {
      // Worker processes: another worker's commit (the epoch moved) may hold events; the one that
      // delivers drains within a few milliseconds (the others' drains end at once at its lease).
      let seen = changes.current();
      setInterval(() => {
        if (changes.current() === seen) return;
        seen = changes.current();
        engine.events.kick();
      }, EPOCH_POLL_MS).unref();
    }
    // Orphans a killed node left (data written, metadata never committed): removed by the node that
    // runs reconciliation, every few minutes.
    setInterval(() => {
      engine.reconcile(Date.now()).then(
        (removed) => removed > 0 && log.info("storage reconciled", { orphansRemoved: removed }),
        (err: unknown) => log.error("storage reconciliation failed", { err }),
      );
    }, CLUSTER_RECONCILE_EVERY_MS).unref();
  }
  if (role) reportListening(port);
  // Worker processes: the first one's first start speaks for the server.
  if (!role || role.first) {
    const workers = role ? { workers: role.count } : {};
    announce(config, { version: VERSION, urls, docs: config.observability.api_docs, ...workers, ...(consoleUrl ? { console: consoleUrl } : {}) }, log, process.stdout.isTTY === true);
    if (master.generated) warnGenerated(log, master.generated);
  }
  // The first worker's first start: the other workers started after it, so anything older is a dead process's.
  engine.reconcile(startedAt, role?.first === true).then(
    (removed) => log.info("storage reconciled", { orphansRemoved: removed }),
    (err: unknown) => log.error("storage reconciliation failed", { err }),
  ).finally(settleAfterStart);
}


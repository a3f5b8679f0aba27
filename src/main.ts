#!/usr/bin/env bun
// Entry point: parse flags → load config → build stores → recover → create app → listen.
// There is no shutdown path: every start is a recovery, so kill -9 is always safe.
import "./threadpool.ts";
import { HELP, parseCli, VERSION, VERSION_LINE } from "./cli.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { Engine } from "./core/engine.ts";
import { createLogger } from "./log.ts";
import { createMetadataStore } from "./metadata/index.ts";
import { createApp } from "./server/app.ts";
import { createStorage } from "./storage/index.ts";

function redacted(config: Config): Config {
  const copy = structuredClone(config);
  copy.auth.secret_key = "***";
  if (copy.metadata.cosmos.connection_string) copy.metadata.cosmos.connection_string = "***";
  if (copy.storage.azure.connection_string) copy.storage.azure.connection_string = "***";
  return copy;
}

async function main(argv: string[]): Promise<void> {
  const startedAt = Date.now();
  const cli = parseCli(argv);
  if (cli.help) return void process.stdout.write(HELP);
  if (cli.version) return void process.stdout.write(`${VERSION_LINE}\n`);
  const config = await loadConfig(cli);
  if (cli.check) return void process.stdout.write(`${JSON.stringify(redacted(config), null, 2)}\nconfig OK\n`);

  const log = createLogger(config.logging.level);
  // A promise that failed with nobody waiting for it is a bug, but not a reason to drop every
  // request in flight: it is logged (level error) and the server goes on.
  process.on("unhandledRejection", (err: unknown) => log.error("unhandled rejection", { err }));
  const engine = new Engine({
    metadata: await createMetadataStore(config),
    storage: await createStorage(config),
    region: config.server.region,
    log,
    credentials: [{ accessKey: config.auth.access_key, secretKey: config.auth.secret_key }],
    uploadTtlMs: config.multipart.upload_ttl_seconds * 1000,
  });
  await engine.start();

  const app = await createApp({
    engine,
    log,
    domain: config.server.domain,
    version: VERSION,
    healthChecks: config.observability.health_check,
    exposeMetrics: config.observability.metrics,
    apiDocs: config.observability.api_docs,
    adminToken: config.admin.token,
  });
  const port = config.server.http_engine === "node"
    ? await (await import("./server/node-listener.ts")).listenNode(app.fetch, {
      host: config.server.host, port: config.server.port, idleTimeoutSeconds: config.server.idle_timeout_seconds,
    })
    : Bun.serve({
      hostname: config.server.host,
      port: config.server.port,
      fetch: app.fetch,
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      idleTimeout: config.server.idle_timeout_seconds,
    }).port;
  // One plain line on stdout whatever the log level, for people and for scripts waiting on the port.
  process.stdout.write(`BleepStore ${VERSION} listening on http://${config.server.host}:${port}\n`);
  log.info("listening", {
    url: `http://${config.server.host}:${port}`,
    port,
    httpEngine: config.server.http_engine,
    metadata: config.metadata.engine,
    storage: config.storage.backend,
    version: VERSION,
  });
  engine.reconcile(startedAt).then(
    (removed) => log.info("storage reconciled", { orphansRemoved: removed }),
    (err: unknown) => log.error("storage reconciliation failed", { err }),
  ).finally(() => Bun.gc(true));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const usage = err instanceof ConfigError || String((err as { code?: unknown })?.code).startsWith("ERR_PARSE_ARGS");
  const message = usage ? (err as Error).message : `bleepstore: failed to start: ${(err as Error)?.stack ?? String(err)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

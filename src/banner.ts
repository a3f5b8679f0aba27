// What the operator sees once the server listens: every URL, the data directory and engines, the
// access key, the docs, and client settings to paste; a warning when the default credentials are
// reachable from other machines. A short human banner on a terminal; the JSON log line always.
import { networkInterfaces } from "node:os";
import { resolve } from "node:path";
import { defaultConfig, type Config } from "./config.ts";
import type { Logger } from "./log.ts";

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The URLs clients can use: each interface's address when listening on a wildcard. */
export function listenUrls(config: Config, port: number): string[] {
  const scheme = config.server.tls.cert_file ? "https" : "http";
  const url = (host: string) => `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const host = config.server.host;
  if (host !== "0.0.0.0" && host !== "::") return [url(host)];
  const addresses = Object.values(networkInterfaces()).flat()
    .filter((a) => a && (a.family === "IPv4" || host === "::"))
    .map((a) => a!.address)
    .sort((a, b) => Number(!LOOPBACK.test(a)) - Number(!LOOPBACK.test(b)));
  return [...new Set(addresses)].map(url);
}

export function usesDefaultCredentials(config: Config): boolean {
  const d = defaultConfig().auth;
  return config.auth.access_key === d.access_key && config.auth.secret_key === d.secret_key;
}

/** Public: listening beyond loopback with the credentials everyone knows. */
export const exposedWithDefaults = (config: Config) => !LOOPBACK.test(config.server.host) && usesDefaultCredentials(config);

export interface BannerFacts {
  version: string;
  urls: string[];
  docs: boolean;
  /** The web console's address, when it is served. */
  console?: string;
  /** Worker processes serving the port (server.workers), when more than this one. */
  workers?: number;
}

export function announce(config: Config, facts: BannerFacts, log: Logger, terminal: boolean): void {
  const endpoint = facts.urls[0]!;
  const dataDir = resolve(config.storage.backend === "local" ? config.storage.local.root_dir : config.metadata.sqlite.path, "..");
  // The secret is shown only when it is the publicly known default.
  const secret = usesDefaultCredentials(config) ? config.auth.secret_key : "<your secret key>";
  const docs = facts.docs ? `${endpoint}/docs` : undefined;
  const warning = exposedWithDefaults(config)
    ? `listening on ${config.server.host} with the default credentials, which anyone can look up: set auth.access_key and auth.secret_key (or BLEEPSTORE_AUTH_ACCESS_KEY / BLEEPSTORE_AUTH_SECRET_KEY), or listen on 127.0.0.1`
    : undefined;
  if (terminal) {
    const lines = [
      `BleepStore ${facts.version} listening on ${endpoint}`,
      ...facts.urls.slice(1).map((u) => `  also on ${u}`),
      `  data:      ${dataDir} (metadata ${config.metadata.engine}, storage ${config.storage.backend})`,
      `  region:    ${config.server.region}    access key: ${config.auth.access_key}`,
      ...(facts.workers ? [`  workers:   ${facts.workers} processes on the port`] : []),
      ...(docs ? [`  API docs:  ${docs}`] : []),
      ...(facts.console ? [`  console:   ${facts.console}`] : []),
      "",
      "  AWS CLI:",
      `    export AWS_ACCESS_KEY_ID=${config.auth.access_key} AWS_SECRET_ACCESS_KEY=${secret}`,
      `    export AWS_DEFAULT_REGION=${config.server.region} AWS_ENDPOINT_URL=${endpoint}`,
      `    aws --endpoint-url ${endpoint} s3 mb s3://my-bucket   # AWS CLI before 2.13 ignores AWS_ENDPOINT_URL`,
      "  rclone (~/.config/rclone/rclone.conf):",
      "    [bleepstore]",
      "    type = s3",
      "    provider = Other",
      `    access_key_id = ${config.auth.access_key}`,
      `    secret_access_key = ${secret}`,
      `    endpoint = ${endpoint}`,
      `    region = ${config.server.region}`,
      ...(warning ? ["", `  WARNING: ${warning}`] : []),
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } else {
    // One plain line whatever the log level, for scripts waiting on the port.
    process.stdout.write(`BleepStore ${facts.version} listening on ${endpoint}\n`);
  }
  log.info("listening", {
    urls: facts.urls, dataDir, metadata: config.metadata.engine, storage: config.storage.backend,
    httpEngine: config.server.http_engine, region: config.server.region, accessKey: config.auth.access_key,
    docs, ...(facts.workers ? { workers: facts.workers } : {}), ...(facts.console ? { console: facts.console } : {}), version: facts.version,
    client: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: config.auth.access_key, AWS_DEFAULT_REGION: config.server.region },
  });
  if (warning) log.warn(warning, { host: config.server.host });
}

// Command-line flags: parsed into config overrides, plus --help, --version and --check.
import { parseArgs } from "node:util";
import { LOG_LEVELS, type Overrides } from "./config.ts";
import pkg from "../package.json" with { type: "json" };

// Baked in by build.ts (bun build --define); absent when running from source.
declare const BLEEPSTORE_COMMIT: string | undefined;
declare const BLEEPSTORE_TARGET: string | undefined;

export const VERSION: string = pkg.version;
export const COMMIT: string = typeof BLEEPSTORE_COMMIT === "string" ? BLEEPSTORE_COMMIT : "source";
const TARGET: string = typeof BLEEPSTORE_TARGET === "string" ? BLEEPSTORE_TARGET : `${process.platform}-${process.arch}`;

/** What --version prints. */
export const VERSION_LINE = `bleepstore ${VERSION} (commit ${COMMIT}, ${TARGET}, bun ${Bun.version})`;

export const HELP = `bleepstore ${VERSION} — an S3-compatible object store

Usage: bleepstore [options]                 run the server
       bleepstore meta export|import [...]  metadata in the family's JSON format (bleepstore meta --help)
       bleepstore key create|list|revoke    key pairs, through a running server's admin API (bleepstore key --help)
       bleepstore status [--json]           a running server's version, engines and contents
       bleepstore events tail [--json]      events as they commit, from a running server (bleepstore events --help)
       bleepstore cluster status [--json]   the cluster's nodes, background jobs and etcd members (cluster.enabled)
       bleepstore lifecycle run [--bucket B] [--dry-run]   one lifecycle pass now, and what it did (or would do)
       bleepstore kms create|list|describe|enable|disable|rotate|schedule-deletion KEY   SSE-KMS keys (bleepstore kms --help)

The web console is at /_bleepstore/console/ on the same port (console.enabled), or alone on console.port.

Options:
  --config <file>      YAML config file (see bleepstore.example.yaml); no file means built-in defaults
  --host <address>     address to listen on (server.host, default 0.0.0.0)
  --port <number>      port to listen on (server.port, default 9000; 0 picks a free port)
  --workers <number>   worker processes serving the port (server.workers, default 0: one per core, at most
                       16, where the engines allow it; 1 serves from this process alone)
  --data-dir <dir>     put local metadata (sqlite, local) and object files under <dir> (default ./data)
  --log-level <level>  ${LOG_LEVELS.join(" | ")} (logging.level, default info)
  --check              check what start-up checks (config, data directories, metadata file, port, cloud
                       endpoints) without serving; print the selected sections without secrets, and exit
  --version            print the version and exit
  -h, --help           print this help and exit

Environment: BLEEPSTORE_CONFIG, BLEEPSTORE_HOST, BLEEPSTORE_PORT, BLEEPSTORE_DATA_DIR,
BLEEPSTORE_LOG_LEVEL, and BLEEPSTORE_<SECTION>_<KEY> for any config key
(e.g. BLEEPSTORE_AUTH_SECRET_KEY, BLEEPSTORE_METADATA_SQLITE_PATH); any other BLEEPSTORE_*
variable stops start-up. Environment variables override flags, and flags override the config file. UV_THREADPOOL_SIZE sizes the thread pool for
file-system calls and BUN_JSC_forceRAMSize the RAM JavaScriptCore sizes its heap for (when either is
unset, the server restarts itself once at start with 32 and with its RAM capped at 8 GiB). The cloud SDKs read
their own variables too: AWS_* (aws, dynamodb), AZURE_STORAGE_KEY, AZURE_COSMOS_KEY, AZURE_CLIENT_ID…,
GOOGLE_APPLICATION_CREDENTIALS, FIRESTORE_EMULATOR_HOST, STORAGE_EMULATOR_HOST (gcp to an emulator).

Events: queue.* publishes every committed change to redis | rabbitmq | kafka | nats | webhook;
notifications.targets (BLEEPSTORE_NOTIFICATIONS_TARGETS: a JSON list of {id, kind, url, secret?, name?})
are what a bucket's PutBucketNotificationConfiguration names, by ARN arn:bleepstore:sqs:<region>::<id>.
`;

export interface CliOptions extends Overrides {
  help: boolean;
  version: boolean;
  check: boolean;
}

/** Parses argv (without the runtime and script); throws with a one-line message on a bad flag. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      workers: { type: "string" },
      "data-dir": { type: "string" },
      "log-level": { type: "string" },
      check: { type: "boolean", default: false },
      version: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    check: values.check ?? false,
    ...(values.config !== undefined ? { configFile: values.config } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.port !== undefined ? { port: values.port } : {}),
    ...(values.workers !== undefined ? { workers: values.workers } : {}),
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
    ...(values["log-level"] !== undefined ? { logLevel: values["log-level"] } : {}),
  };
}

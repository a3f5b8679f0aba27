// Typed configuration: defaults that need no file, a YAML file, CLI flags and BLEEPSTORE_* env vars
// (env overrides flags, flags override the file). Every key is validated; the first bad one stops
// start-up with a ConfigError naming it.
import { join } from "node:path";

export const METADATA_ENGINES = ["sqlite", "memory", "local", "dynamodb", "firestore", "cosmos", "etcd"] as const;
export const STORAGE_BACKENDS = ["local", "memory", "sqlite", "aws", "gcp", "azure"] as const;
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export const HTTP_ENGINES = ["bun", "node"] as const;
export const MEMORY_PERSISTENCE = ["none", "snapshot"] as const;
export const QUEUE_BACKENDS = ["redis", "rabbitmq", "kafka", "nats", "webhook"] as const;
export const QUEUE_CONSISTENCY = ["write-through", "sync", "async"] as const;
export type QueueBackend = (typeof QUEUE_BACKENDS)[number];
export type QueueConsistency = (typeof QUEUE_CONSISTENCY)[number];

/** A bucket-notification target (notifications.targets[]): what its ARN names, where it delivers. */
export interface TargetConfig {
  id: string;
  kind: QueueBackend;
  /** redis://, amqp://, nats://, http(s):// ; for kafka, the brokers comma-separated. */
  url: string;
  /** webhook: HMAC-SHA256 key for the signature header. */
  secret?: string;
  /** The stream prefix (redis), exchange (rabbitmq), subject prefix (nats), topic prefix (kafka). */
  name?: string;
}
export type MemoryPersistence = (typeof MEMORY_PERSISTENCE)[number];

export type MetadataEngine = (typeof METADATA_ENGINES)[number];
export type StorageBackendName = (typeof STORAGE_BACKENDS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type HttpEngine = (typeof HTTP_ENGINES)[number];

export const DEFAULT_DATA_DIR = "./data";
/** The most worker processes server.workers may ask for; the default stops at AUTO_WORKERS_MAX. */
export const MAX_WORKERS = 256;
const AUTO_WORKERS_MAX = 16;

function defaults(dataDir: string) {
  return {
    server: {
      host: "0.0.0.0", port: 9000, region: "us-east-1", domain: "localhost", idle_timeout_seconds: 120, http_engine: "bun" as HttpEngine,
      // 0: one worker per core (at most 16) where the engines allow several processes, else 1 (workerCount).
      workers: 0,
      tls: { cert_file: "", key_file: "" },
    },
    auth: { access_key: "bleepstore", secret_key: "bleepstore-secret", signature_v2: true },
    metadata: {
      engine: "sqlite" as MetadataEngine,
      sqlite: { path: join(dataDir, "metadata.db") },
      local: { root_dir: join(dataDir, "metadata"), compact_min_lines: 100_000 },
      dynamodb: { table: "bleepstore-metadata", region: "us-east-1", endpoint_url: "", create_if_missing: true },
      firestore: { collection: "bleepstore-metadata", project: "my-project", credentials_file: "", endpoint: "" },
      cosmos: { database: "bleepstore", container: "metadata", endpoint: "", connection_string: "", create_if_missing: true },
      etcd: { endpoints: ["http://127.0.0.1:2379"], prefix: "bleepstore", username: "", password: "", serializable_reads: false, timeout_ms: 5000 },
    },
    storage: {
      backend: "local" as StorageBackendName,
      local: { root_dir: join(dataDir, "objects") },
      memory: { max_size_bytes: 0, persistence: "none" as MemoryPersistence, snapshot_path: join(dataDir, "memory.snapshot"), snapshot_interval_seconds: 60 },
      aws: { bucket: "", region: "us-east-1", prefix: "", endpoint_url: "", use_path_style: false },
      gcp: { bucket: "", project: "", prefix: "", credentials_file: "" },
      azure: { container: "", account: "", prefix: "", connection_string: "" },
    },
    multipart: { upload_ttl_seconds: 7 * 24 * 3600 },
    queue: {
      enabled: false, backend: "redis" as QueueBackend, consistency: "write-through" as QueueConsistency,
      max_pending: 100_000, sync_timeout_ms: 5000,
      redis: { url: "redis://127.0.0.1:6379", stream_prefix: "bleepstore", consumer_group: "bleepstore", max_len: 0, max_retries: 3, retry_delay_ms: 500 },
      rabbitmq: { url: "amqp://127.0.0.1:5672", exchange: "bleepstore", exchange_type: "topic", queue_prefix: "bleepstore", durable: true, prefetch_count: 100 },
      kafka: {
        brokers: ["127.0.0.1:9092"], topic_prefix: "bleepstore", consumer_group: "bleepstore", acks: "all", partitions: 3,
        replication_factor: 1, client_id: "bleepstore", max_retries: 3, retry_delay_ms: 500,
      },
      nats: { url: "nats://127.0.0.1:4222", subject_prefix: "bleepstore", stream: "BLEEPSTORE" },
      webhook: { url: "", secret: "", timeout_ms: 5000 },
    },
    notifications: { targets: [] as TargetConfig[] },
    cluster: { enabled: false, node_id: "", lease_ttl_seconds: 10, reconcile_grace_seconds: 60 },
    lifecycle: { interval_seconds: 3600, day_seconds: 86_400 },
    access_logs: { flush_seconds: 300 },
    encryption: { master_key_file: "", allow_sse_c_over_http: false },
    observability: { metrics: true, health_check: true, api_docs: true },
    admin: { token: "" },
    console: { enabled: true, port: 0 },
    logging: { level: "info" as LogLevel },
  };
}

export type Config = ReturnType<typeof defaults>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Constraints beyond a leaf's type, keyed by dotted path. */
const ENUMS: Record<string, readonly string[]> = {
  "metadata.engine": METADATA_ENGINES,
  "storage.backend": STORAGE_BACKENDS,
  "logging.level": LOG_LEVELS,
  "server.http_engine": HTTP_ENGINES,
  "storage.memory.persistence": MEMORY_PERSISTENCE,
  "queue.backend": QUEUE_BACKENDS,
  "queue.consistency": QUEUE_CONSISTENCY,
  "queue.rabbitmq.exchange_type": ["topic", "direct", "fanout", "headers"],
  "queue.kafka.acks": ["all", "1", "0"],
};
const INT_RANGES: Record<string, [number, number]> = {
  "server.port": [0, 65535],
  "server.idle_timeout_seconds": [1, 255],
  "server.workers": [0, MAX_WORKERS],
  "console.port": [0, 65535],
  "storage.memory.max_size_bytes": [0, Number.MAX_SAFE_INTEGER],
  "storage.memory.snapshot_interval_seconds": [1, 86_400],
  "metadata.local.compact_min_lines": [1, Number.MAX_SAFE_INTEGER],
  "multipart.upload_ttl_seconds": [1, Number.MAX_SAFE_INTEGER],
  "queue.max_pending": [1, Number.MAX_SAFE_INTEGER],
  "metadata.etcd.timeout_ms": [1, 600_000],
  "cluster.lease_ttl_seconds": [2, 3600],
  "cluster.reconcile_grace_seconds": [1, 86_400],
  "lifecycle.interval_seconds": [1, 86_400 * 7],
  "lifecycle.day_seconds": [1, 86_400],
  "access_logs.flush_seconds": [1, 86_400],
  "queue.sync_timeout_ms": [1, 600_000],
  "queue.redis.retry_delay_ms": [1, 600_000],
  "queue.redis.max_retries": [1, 1_000_000],
  "queue.kafka.retry_delay_ms": [1, 600_000],
  "queue.kafka.max_retries": [1, 1_000_000],
  "queue.kafka.partitions": [1, 10_000],
  "queue.kafka.replication_factor": [1, 100],
  "queue.webhook.timeout_ms": [1, 600_000],
};
const NON_EMPTY = new Set(["server.host", "server.region", "auth.access_key", "auth.secret_key"]);

export interface Overrides {
  configFile?: string;
  host?: string;
  port?: string;
  workers?: string;
  dataDir?: string;
  logLevel?: string;
}

type Tree = { [k: string]: unknown };
const isTree = (v: unknown): v is Tree => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every leaf path of the defaults, e.g. "metadata.sqlite.path". */
function leafPaths(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (isTree(v) ? leafPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function getPath(tree: Tree, path: string): unknown {
  return path.split(".").reduce<unknown>((node, k) => (isTree(node) ? node[k] : undefined), tree);
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split(".");
  const last = keys.pop()!;
  let node = tree;
  for (const k of keys) node = node[k] as Tree;
  node[last] = value;
}

/** Merge a parsed file into the defaults, rejecting unknown keys and wrong shapes. */
function mergeFile(target: Tree, source: unknown, prefix: string): void {
  if (!isTree(source)) throw new ConfigError(`config: ${prefix || "file"} must be a mapping`);
  for (const [k, v] of Object.entries(source)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!(k in target)) throw new ConfigError(`config: unknown key "${path}"`);
    if (isTree(target[k])) {
      if (v === null || v === undefined) continue;
      mergeFile(target[k] as Tree, v, path);
    } else {
      target[k] = v;
    }
  }
}

/** Coerce a string from a flag or env var to the leaf's type. */
function coerce(path: string, raw: string, like: unknown): unknown {
  if (path === "notifications.targets") {
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError(`config: ${path} must be a JSON list of targets (got "${raw}")`);
    }
  }
  if (Array.isArray(like)) return raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (typeof like === "number") {
    const n = Number(raw);
    return raw.trim() === "" || Number.isNaN(n) ? raw : n;
  }
  if (typeof like === "boolean") {
    const v = raw.toLowerCase();
    if (["true", "1", "yes", "on"].includes(v)) return true;
    if (["false", "0", "no", "off"].includes(v)) return false;
    throw new ConfigError(`config: ${path} must be true or false (got "${raw}")`);
  }
  return raw;
}

function validate(config: Tree, reference: Tree): void {
  for (const path of leafPaths(reference)) {
    const value = getPath(config, path);
    const like = getPath(reference, path);
    const shown = JSON.stringify(value);
    if (path === "notifications.targets") {
      validateTargets(value);
    } else if (Array.isArray(like)) {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) throw new ConfigError(`config: ${path} must be a list of strings (got ${shown})`);
    } else if (typeof like === "number") {
      const [lo, hi] = INT_RANGES[path] ?? [0, Number.MAX_SAFE_INTEGER];
      if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi)
        throw new ConfigError(`config: ${path} must be an integer from ${lo} to ${hi} (got ${shown})`);
    } else if (typeof like === "boolean") {
      if (typeof value !== "boolean") throw new ConfigError(`config: ${path} must be true or false (got ${shown})`);
    } else if (typeof value !== "string") {
      throw new ConfigError(`config: ${path} must be a string (got ${shown})`);
    } else if (ENUMS[path] && !ENUMS[path].includes(value)) {
      throw new ConfigError(`config: ${path} must be one of ${ENUMS[path].join(", ")} (got ${shown})`);
    } else if (NON_EMPTY.has(path) && value.trim() === "") {
      throw new ConfigError(`config: ${path} must not be empty`);
    }
  }
}

const TARGET_KEYS = new Set(["id", "kind", "url", "secret", "name"]);

/** notifications.targets: each a mapping with a unique id, a known kind and a url; nothing else. */
function validateTargets(value: unknown): void {
  if (!Array.isArray(value)) throw new ConfigError("config: notifications.targets must be a list");
  const ids = new Set<string>();
  value.forEach((t: unknown, i) => {
    const at = `notifications.targets[${i}]`;
    if (!isTree(t)) throw new ConfigError(`config: ${at} must be a mapping with id, kind and url`);
    for (const k of Object.keys(t)) if (!TARGET_KEYS.has(k)) throw new ConfigError(`config: unknown key "${at}.${k}"`);
    for (const k of Object.keys(t)) if (typeof t[k] !== "string") throw new ConfigError(`config: ${at}.${k} must be a string`);
    if (!t.id || !/^[A-Za-z0-9_.-]{1,64}$/.test(String(t.id))) throw new ConfigError(`config: ${at}.id must be 1-64 letters, digits, "_", "." or "-"`);
    if (ids.has(String(t.id))) throw new ConfigError(`config: ${at}.id "${String(t.id)}" is used twice`);
    ids.add(String(t.id));
    if (!QUEUE_BACKENDS.includes(t.kind as QueueBackend)) throw new ConfigError(`config: ${at}.kind must be one of ${QUEUE_BACKENDS.join(", ")}`);
    if (!t.url) throw new ConfigError(`config: ${at}.url must not be empty`);
  });
}

/** The env var that overrides a leaf: metadata.sqlite.path -> BLEEPSTORE_METADATA_SQLITE_PATH. */
export const envName = (path: string) => `BLEEPSTORE_${path.replace(/\./g, "_").toUpperCase()}`;

/** --data-dir moves every local path at once, like any flag over the file; a per-path env var still wins. */
function applyDataDir(config: Tree, dataDir: string): void {
  const moved = defaults(dataDir) as unknown as Tree;
  for (const path of ["metadata.sqlite.path", "metadata.local.root_dir", "storage.local.root_dir", "storage.memory.snapshot_path"]) {
    setPath(config, path, getPath(moved, path));
  }
}

/** BLEEPSTORE_* variables that are not config keys but still mean something. */
const OTHER_ENV = ["BLEEPSTORE_CONFIG", "BLEEPSTORE_HOST", "BLEEPSTORE_PORT", "BLEEPSTORE_DATA_DIR", "BLEEPSTORE_LOG_LEVEL", "BLEEPSTORE_FAILPOINT"];

/** A misspelled variable is refused like an unknown key in the file, naming the nearest real one. */
function refuseUnknownEnv(env: Record<string, string | undefined>, reference: Tree): void {
  const known = [...OTHER_ENV, ...leafPaths(reference).map(envName)];
  for (const name of Object.keys(env)) {
    if (!name.startsWith("BLEEPSTORE_") || known.includes(name)) continue;
    const near = known.filter((k) => k.startsWith(name) || name.startsWith(k)).sort((a, b) => a.length - b.length)[0];
    throw new ConfigError(`config: unknown environment variable ${name}${near ? ` (did you mean ${near}?)` : ""}`);
  }
}

export async function loadConfig(
  overrides: Overrides = {},
  env: Record<string, string | undefined> = process.env,
): Promise<Config> {
  const dataDir = env.BLEEPSTORE_DATA_DIR ?? overrides.dataDir;
  const config = defaults(DEFAULT_DATA_DIR) as unknown as Tree;
  const reference = defaults(DEFAULT_DATA_DIR) as unknown as Tree;

  const configFile = env.BLEEPSTORE_CONFIG ?? overrides.configFile;
  if (configFile) {
    const file = Bun.file(configFile);
    if (!(await file.exists())) throw new ConfigError(`config: file not found: ${configFile}`);
    let parsed: unknown;
    try {
      parsed = Bun.YAML.parse(await file.text());
    } catch (err) {
      throw new ConfigError(`config: ${configFile} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    if (parsed !== null && parsed !== undefined) mergeFile(config, parsed, "");
  }
  if (dataDir !== undefined) applyDataDir(config, dataDir);

  const flags: Array<[string, string | undefined]> = [
    ["server.host", overrides.host],
    ["server.port", overrides.port],
    ["server.workers", overrides.workers],
    ["logging.level", overrides.logLevel],
  ];
  for (const [path, raw] of flags) if (raw !== undefined) setPath(config, path, coerce(path, raw, getPath(reference, path)));

  const envAliases: Record<string, string> = {
    BLEEPSTORE_HOST: "server.host",
    BLEEPSTORE_PORT: "server.port",
    BLEEPSTORE_LOG_LEVEL: "logging.level",
  };
  for (const [name, path] of Object.entries(envAliases)) {
    const raw = env[name];
    if (raw !== undefined) setPath(config, path, coerce(path, raw, getPath(reference, path)));
  }
  for (const path of leafPaths(reference)) {
    const raw = env[envName(path)];
    if (raw !== undefined) setPath(config, path, coerce(path, raw, getPath(reference, path)));
  }

  refuseUnknownEnv(env, reference);
  validate(config, reference);
  const tls = (config as unknown as Config).server.tls;
  if (!tls.cert_file !== !tls.key_file) throw new ConfigError("config: server.tls needs both cert_file and key_file");
  const queue = (config as unknown as Config).queue;
  if (queue.enabled && queue.backend === "webhook" && !queue.webhook.url) throw new ConfigError("config: queue.webhook.url must be set when queue.backend is webhook");
  const cluster = (config as unknown as Config).cluster;
  const engine = (config as unknown as Config).metadata.engine;
  if (cluster.enabled && (engine === "sqlite" || engine === "memory" || engine === "local")) {
    throw new ConfigError(`config: cluster.enabled needs a shared metadata engine (metadata.engine: etcd, dynamodb or firestore); ${engine} belongs to one process`);
  }
  if (cluster.enabled && engine === "cosmos") {
    throw new ConfigError("config: cluster.enabled is not available with metadata.engine cosmos: its two-node run on the only emulator here (which does not apply a batch atomically) could not be shown correct (README)");
  }
  const storage = (config as unknown as Config).storage.backend;
  if (cluster.enabled && (storage === "memory" || storage === "sqlite")) {
    throw new ConfigError(`config: cluster.enabled needs storage every node reaches (local on a shared directory, aws, gcp or azure); ${storage} belongs to one process`);
  }
  if (cluster.enabled && queue.enabled && queue.consistency !== "write-through") {
    throw new ConfigError(`config: queue.consistency: ${queue.consistency} is not available with cluster.enabled (write-through is)`);
  }
  const alone = whyOneProcess(config as unknown as Config);
  if (alone && (config as unknown as Config).server.workers > 1) throw new ConfigError(`config: server.workers above 1 is not available ${alone}`);
  if (queue.consistency === "async" && !(queue.enabled && ["redis", "rabbitmq", "nats"].includes(queue.backend))) {
    throw new ConfigError("config: queue.consistency: async needs queue.enabled with backend redis, rabbitmq or nats (BleepStore consumes its own tasks from it)");
  }
  if (queue.enabled && queue.backend === "kafka" && queue.kafka.brokers.length === 0) throw new ConfigError("config: queue.kafka.brokers must name at least one broker");
  return config as unknown as Config;
}

/**
 * Why this configuration runs in one process whatever server.workers says (null when several worker
 * processes can share it): their engines must be ones several processes open at once, and the
 * waits of queue sync/async mode belong to the process that delivers events.
 */
export function whyOneProcess(config: Config): string | null {
  if (config.cluster.enabled) return "with cluster.enabled (run more nodes instead)";
  if (config.metadata.engine !== "sqlite") return `with metadata.engine ${config.metadata.engine} (sqlite is shared by worker processes)`;
  if (config.storage.backend === "memory" || config.storage.backend === "sqlite") return `with storage.backend ${config.storage.backend} (local, aws, gcp or azure are shared)`;
  if (config.server.http_engine !== "bun") return "with server.http_engine node (worker processes share the port through Bun.serve)";
  if (config.metadata.sqlite.path === ":memory:") return "with metadata.sqlite.path :memory:";
  if (config.queue.enabled && config.queue.consistency !== "write-through") return `with queue.consistency: ${config.queue.consistency} (write-through is)`;
  return null;
}

/** How many worker processes serve: server.workers, or (0) one per core up to 16; 1 means this process alone. */
export function workerCount(config: Config, cores = navigator.hardwareConcurrency): number {
  if (whyOneProcess(config)) return 1;
  return config.server.workers > 0 ? config.server.workers : Math.max(1, Math.min(cores, AUTO_WORKERS_MAX));
}

/** The defaults as they apply with no file, flag or env var (for --help and the example file's test). */
export const defaultConfig = (): Config => defaults(DEFAULT_DATA_DIR);

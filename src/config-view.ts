// The configuration as people may see it (--check, the console's server page): no secrets, and only
// the metadata engine, storage backend and queue backend selected.
import { METADATA_ENGINES, QUEUE_BACKENDS, STORAGE_BACKENDS, type Config } from "./config.ts";
import { safeUrl } from "./queue/target.ts";

/** The configuration as --check prints it: no secrets, and only the engine and backend selected. */
export function shown(config: Config): unknown {
  const copy = structuredClone(config) as Config & Record<string, Record<string, unknown>>;
  copy.auth.secret_key = "***";
  if (copy.admin.token) copy.admin.token = "***";
  if (copy.metadata.cosmos.connection_string) copy.metadata.cosmos.connection_string = "***";
  if (copy.storage.azure.connection_string) copy.storage.azure.connection_string = "***";
  if (copy.metadata.etcd.password) copy.metadata.etcd.password = "***";
  const q = copy.queue;
  if (q.webhook.secret) q.webhook.secret = "***";
  q.redis.url = safeUrl(q.redis.url);
  q.rabbitmq.url = safeUrl(q.rabbitmq.url);
  q.nats.url = safeUrl(q.nats.url);
  for (const b of QUEUE_BACKENDS) if (b !== q.backend) delete (q as unknown as Record<string, unknown>)[b];
  copy.notifications.targets = copy.notifications.targets.map((t) => ({ ...t, url: safeUrl(t.url), ...(t.secret ? { secret: "***" } : {}) }));
  for (const e of METADATA_ENGINES) if (e !== config.metadata.engine) delete (copy.metadata as Record<string, unknown>)[e];
  for (const b of STORAGE_BACKENDS) if (b !== config.storage.backend) delete (copy.storage as Record<string, unknown>)[b];
  return copy;
}


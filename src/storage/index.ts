// Builds the configured storage backend; each is imported only when selected, so the cloud SDKs
// cost nothing to a server that does not use them.
import { defaultAzureCredential, storageUsesIdentity } from "../azure-identity.ts";
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";
import type { MetadataStore } from "../metadata/store.ts";
import type { StorageBackend } from "./backend.ts";

/**
 * `metadata`: the configured metadata store (storage.backend: sqlite keeps its bytes in it). `node`:
 * this node's id in a cluster (local storage on a shared directory keeps its temp files apart).
 */
export async function createStorage(config: Config, metadata?: MetadataStore, node?: string): Promise<StorageBackend> {
  const backend = config.storage.backend;
  switch (backend) {
    case "local": {
      const { LocalStorage } = await import("./local.ts");
      return new LocalStorage(config.storage.local.root_dir, node);
    }
    case "memory": {
      const { MemoryStorage } = await import("./memory.ts");
      const m = config.storage.memory;
      return new MemoryStorage({
        maxBytes: m.max_size_bytes,
        ...(m.persistence === "snapshot" ? { snapshot: { path: m.snapshot_path, intervalSeconds: m.snapshot_interval_seconds } } : {}),
      });
    }
    case "aws": {
      const { AwsStorage } = await import("./aws.ts");
      return new AwsStorage(config.storage.aws);
    }
    case "sqlite": {
      const { SqliteMetadataStore } = await import("../metadata/sqlite.ts");
      if (!(metadata instanceof SqliteMetadataStore)) {
        throw new ConfigError(`config: storage.backend "sqlite" keeps object bytes in the metadata database, so it needs metadata.engine "sqlite" (got "${config.metadata.engine}")`);
      }
      const { SqliteStorage } = await import("./sqlite.ts");
      return new SqliteStorage(() => metadata.connection);
    }
    case "azure": {
      const { AzureStorage } = await import("./azure.ts");
      const a = config.storage.azure;
      const identity = storageUsesIdentity(a) ? await defaultAzureCredential() : undefined;
      return new AzureStorage(a, identity);
    }
    case "gcp": {
      const { GcpStorage } = await import("./gcp.ts");
      return new GcpStorage(config.storage.gcp);
    }
  }
}

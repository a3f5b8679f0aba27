// Builds the configured metadata engine. Engines are imported on demand so an embedded server never
// loads a cloud SDK it does not use.
import type { Config } from "../config.ts";
import type { ChangeEpoch } from "../change-epoch.ts";
import type { MetadataStore } from "./store.ts";

/** `changes`: worker processes sharing the SQLite database, and the epoch its commits bump. */
export async function createMetadataStore(config: Config, changes?: ChangeEpoch): Promise<MetadataStore> {
  const engine = config.metadata.engine;
  switch (engine) {
    case "sqlite": {
      const { SqliteMetadataStore } = await import("./sqlite.ts");
      return new SqliteMetadataStore(config.metadata.sqlite.path, changes);
    }
    case "memory": {
      const { MemoryMetadataStore } = await import("./memory.ts");
      return new MemoryMetadataStore();
    }
    case "local": {
      const { LocalMetadataStore } = await import("./local.ts");
      const local = config.metadata.local;
      return new LocalMetadataStore(local.root_dir, { compactMinLines: local.compact_min_lines });
    }
    case "dynamodb": {
      const { DynamoMetadataStore } = await import("./dynamodb.ts");
      const d = config.metadata.dynamodb;
      return new DynamoMetadataStore({ table: d.table, region: d.region, endpoint: d.endpoint_url, createIfMissing: d.create_if_missing });
    }
    case "firestore": {
      const { FirestoreMetadataStore } = await import("./firestore.ts");
      const f = config.metadata.firestore;
      return new FirestoreMetadataStore({ collection: f.collection, project: f.project, credentialsFile: f.credentials_file, endpoint: f.endpoint });
    }
    case "etcd": {
      const { EtcdMetadataStore } = await import("./etcd.ts");
      const e = config.metadata.etcd;
      return new EtcdMetadataStore({
        endpoints: e.endpoints, prefix: e.prefix, serializable: e.serializable_reads, timeoutMs: e.timeout_ms,
        ...(e.username ? { username: e.username, password: e.password } : {}),
      });
    }
    case "cosmos": {
      const { CosmosMetadataStore } = await import("./cosmos.ts");
      const c = config.metadata.cosmos;
      return new CosmosMetadataStore({
        database: c.database, container: c.container, endpoint: c.endpoint, connectionString: c.connection_string, createIfMissing: c.create_if_missing,
      });
    }
  }
}

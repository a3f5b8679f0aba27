// Builds the configured storage backend; each is imported only when selected, so the cloud SDKs
// cost nothing to a server that does not use them.
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";
import type { StorageBackend } from "./backend.ts";

export async function createStorage(config: Config): Promise<StorageBackend> {
  const backend = config.storage.backend;
  switch (backend) {
    case "local": {
      const { LocalStorage } = await import("./local.ts");
      return new LocalStorage(config.storage.local.root_dir);
    }
    case "memory": {
      const { MemoryStorage } = await import("./memory.ts");
      return new MemoryStorage(config.storage.memory.max_size_bytes);
    }
    case "aws": {
      const { AwsStorage } = await import("./aws.ts");
      return new AwsStorage(config.storage.aws);
    }
    case "sqlite":
    case "gcp":
    case "azure":
      throw new ConfigError(`config: storage.backend "${backend}" is not available in this version yet (use local, memory or aws)`);
  }
}

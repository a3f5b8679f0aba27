// What the engine's services share: the stores, the server's region and a logger.
import type { Logger } from "../log.ts";
import type { MetadataStore, Owner } from "../metadata/store.ts";
import type { StorageBackend } from "../storage/backend.ts";

export interface EngineContext {
  metadata: MetadataStore;
  storage: StorageBackend;
  region: string;
  log: Logger;
  /** The owner behind a canonical user id, if any key pair has it (for ACL grants). */
  knownUser(id: string): Promise<Owner | null>;
}

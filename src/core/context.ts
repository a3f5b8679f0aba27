// What the engine's services share: the stores, the server's region and a logger.
import type { ChangeEpoch } from "../change-epoch.ts";
import type { Logger } from "../log.ts";
import type { MetadataStore, Owner } from "../metadata/store.ts";
import type { StorageBackend } from "../storage/backend.ts";
import type { Encryption } from "./sse.ts";
import { S3Error } from "../errors.ts";

export interface EngineContext {
  metadata: MetadataStore;
  storage: StorageBackend;
  region: string;
  log: Logger;
  /** Seals and opens encrypted objects (SSE-C, SSE-S3). */
  encryption: Encryption;
  /** The owner behind a canonical user id, if any key pair has it (for ACL grants). */
  knownUser(id: string): Promise<Owner | null>;
  /** Tells the event dispatcher that a commit with events happened (it delivers them soon). */
  publish(): void;
  /**
   * How long the bucket and credential caches may keep an entry: their default (changes by other
   * processes show within it), or 0 in cluster mode, where every lookup reads the shared engine.
   */
  cacheTtlMs?: number;
  /** Worker processes sharing the database: every commit of any of them, so caches drop what it may have changed. */
  changes?: ChangeEpoch;
  /** One lifecycle "day" (lifecycle.day_seconds), for the expiry the reads announce. */
  lifecycleDayMs: number;
}

/**
 * Whether a failed metadata write certainly changed nothing: the engine refused it (its own checks, a
 * 4xx). After anything else — a timeout, a lost connection, a busy engine — the write may have been
 * applied all the same (a cloud engine can commit a request its client gave up on), so the data it
 * names must stay: an orphan is removed by reconciliation, a record without its data is a lost object.
 */
export function certainlyRefused(err: unknown): boolean {
  return err instanceof S3Error && err.status < 500;
}

/** Deletes stored data nothing refers to any more. A failure leaves an orphan, which is invisible
 * and removed by the start-up reconciliation, so it is logged, not thrown. */
export async function freeStorage(ctx: EngineContext, storageIds: string[]): Promise<void> {
  await Promise.all(
    storageIds.map(async (storageId) => {
      try {
        await ctx.storage.delete(storageId);
      } catch (err) {
        ctx.log.warn("could not delete unreferenced object data", { storageId, err });
      }
    }),
  );
}

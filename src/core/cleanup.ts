// Clean-up that follows a commit: the parts of a completed, aborted or reaped upload (their data, then
// their records), in bounded batches. Idempotent, so a kill -9 half-way loses nothing: the next start
// finds what is left through MetadataStore.uploadsWithParts and finishes it.
import { freeStorage, type EngineContext } from "./context.ts";

/** Parts freed per step: one listing page, and what a metadata engine deletes per call. */
const BATCH = 1000;

export async function cleanupParts(ctx: EngineContext, uploadId: string): Promise<number> {
  let freed = 0;
  for (;;) {
    const { parts } = await ctx.metadata.listParts(uploadId, 0, BATCH);
    if (parts.length === 0) return freed;
    // Data first: a record whose data is gone is retried harmlessly; data whose record is gone would leak.
    // Parts held by a storage session have no storage id of their own: they went with the session.
    const ids = parts.map((p) => p.storageId).filter((id) => id !== "");
    if (ids.length > 0) await freeStorage(ctx, ids);
    await ctx.metadata.deleteParts(uploadId, parts.map((p) => p.partNumber));
    freed += parts.length;
  }
}

/** The clean-up that follows a commit, as part of the request that committed: a failure (the metadata
 * engine lost for a moment) does not undo the commit, so it is logged, and reconciliation finishes it. */
export async function cleanupAfterCommit(ctx: EngineContext, uploadId: string): Promise<void> {
  try {
    await cleanupParts(ctx, uploadId);
  } catch (err) {
    ctx.log.warn("clean-up of a finished upload's parts failed; reconciliation finishes it", { uploadId, err });
  }
}

/** Finishes every clean-up a crash interrupted; returns how many uploads it cleaned. */
export async function cleanupLeftovers(ctx: EngineContext): Promise<number> {
  let cleaned = 0;
  for (;;) {
    const uploads = await ctx.metadata.uploadsWithParts(100);
    if (uploads.length === 0) return cleaned;
    for (const uploadId of uploads) await cleanupParts(ctx, uploadId);
    cleaned += uploads.length;
  }
}

// Request bodies arrive as chunks the runtime allocates outside the JavaScript heap, so the garbage
// collector does not feel their weight: after a few large uploads, tens of MiB of finished chunks
// can wait for a collection that the small heap does not ask for (the multipart upload benchmark
// peaked 5–10 MiB over its 100 MiB budget that way). A full collection (about 9 ms here) after a
// large body, once at least COLLECT_AFTER bytes of bodies have arrived since the last, bounds that.

/** A body this large counts as large. */
const LARGE_BODY = 1024 * 1024;
/** Body bytes received between collections. */
const COLLECT_AFTER = 32 * 1024 * 1024;

let receivedSinceCollection = 0;

/** Records a finished (or failed) request body of `bytes`; collects garbage when enough has passed. */
export function bodyFinished(bytes: number): void {
  receivedSinceCollection += bytes;
  if (bytes >= LARGE_BODY && receivedSinceCollection >= COLLECT_AFTER) {
    receivedSinceCollection = 0;
    Bun.gc(true);
  }
}

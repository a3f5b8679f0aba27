// When a local delete may unlink what it removes. Not while Bun may still open a file it was handed
// for sendfile (it opens the path only as the response starts: SENDFILE_GRACE_MS after handing it
// out), and not while something holds the id: a stream reading a composed object's parts, or the
// consolidation of one (local-composed.ts). Such a delete answers at once and unlinks later; a crash
// in between leaves an orphan that start-up reconciliation removes. close() unlinks what is waiting.

/** How long after a file is handed to Bun for sendfile it may still be opened by path. */
export const SENDFILE_GRACE_MS = 1000;

export class UnlinkHolds {
  /** Ids handed out for sendfile, with when. */
  private readonly sendfiles = new Map<string, number>();
  /** Unlinks waiting for a sendfile's grace to pass. */
  private readonly deferred = new Map<string, ReturnType<typeof setTimeout>>();
  /** Holds per id, and the ids whose delete waits for their holds to end. */
  private readonly holds = new Map<string, number>();
  private readonly afterHolds = new Set<string>();

  /**
   * `unlink` removes an id's file or directory; `released(id)` runs when the last hold on an id
   * that is not being deleted ends.
   */
  constructor(private readonly unlink: (id: string) => Promise<void>, private readonly released: (id: string) => void) {}

  handedOut(id: string): void {
    const now = performance.now();
    this.sendfiles.delete(id);
    this.sendfiles.set(id, now);
    // Oldest first (Map order): drop the entries whose grace has passed.
    for (const [old, at] of this.sendfiles) {
      if (now - at < SENDFILE_GRACE_MS) break;
      this.sendfiles.delete(old);
    }
  }

  /** Holds `id` until the returned function is called (once; later calls do nothing). */
  hold(id: string): () => void {
    this.holds.set(id, (this.holds.get(id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = this.holds.get(id)! - 1;
      if (left > 0) return void this.holds.set(id, left);
      this.holds.delete(id);
      if (this.afterHolds.delete(id)) void this.delete(id).catch(() => {});
      else this.released(id);
    };
  }

  /** Whether a delete of `id` is waiting for its holds. */
  deleting(id: string): boolean {
    return this.afterHolds.has(id);
  }

  /** Unlinks `id` now, or once its holds and its sendfile grace are over. */
  async delete(id: string): Promise<void> {
    if (this.holds.has(id)) return void this.afterHolds.add(id);
    const at = this.sendfiles.get(id);
    const wait = at === undefined ? 0 : SENDFILE_GRACE_MS - (performance.now() - at);
    if (wait > 0 && !this.deferred.has(id)) {
      const timer = setTimeout(() => {
        this.deferred.delete(id);
        this.sendfiles.delete(id);
        void this.unlink(id).catch(() => {});
      }, wait);
      timer.unref();
      this.deferred.set(id, timer);
      return;
    }
    if (!this.deferred.has(id)) await this.unlink(id);
  }

  /** The ids whose unlink is waiting, forgotten here: the caller removes them now. */
  takeWaiting(): string[] {
    for (const timer of this.deferred.values()) clearTimeout(timer);
    const ids = [...this.deferred.keys(), ...this.afterHolds];
    this.deferred.clear();
    this.afterHolds.clear();
    return ids;
  }
}

// A bounded cache whose entries also expire: the caches on request paths (buckets, credentials) are
// kept current by engine events, and the time limit is the backstop for a change whose event this
// process never sees (another node writing to a shared metadata engine). With an epoch (worker
// processes sharing one database: change-epoch.ts), a commit by any of them empties the cache first.
import type { ChangeEpoch } from "./change-epoch.ts";

// A coarse clock: reading it costs a property load, not a system call per cache lookup.
let now = performance.now();
setInterval(() => {
  now = performance.now();
}, 100).unref();

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  /** The epoch the entries were filled at. */
  private seen = 0;

  constructor(private readonly limit: number, private readonly ttlMs: number, private readonly epoch?: ChangeEpoch) {
    this.seen = epoch?.current() ?? 0;
  }

  /** Whether the entries still hold: no commit since they were filled (always, without an epoch). */
  private fresh(): boolean {
    if (this.epoch === undefined) return true;
    const now = this.epoch.current();
    if (now === this.seen) return true;
    this.entries.clear();
    this.seen = now;
    return false;
  }

  get(key: K): V | undefined {
    if (!this.fresh()) return undefined;
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    if (hit.expires < now) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: K, value: V): void {
    // A TTL of 0 keeps nothing: lookups read through (cluster mode, where another node may change any entry).
    if (this.ttlMs <= 0) return;
    // A commit since the lookup that missed may have changed what was read: not kept.
    if (this.epoch !== undefined && this.epoch.current() !== this.seen) return;
    if (this.entries.size >= this.limit && !this.entries.has(key)) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

// A bounded cache whose entries also expire: the caches on request paths (buckets, credentials) are
// kept current by engine events, and the time limit is the backstop for a change whose event this
// process never sees (another node writing to a shared metadata engine).
// A coarse clock: reading it costs a property load, not a system call per cache lookup.
let now = performance.now();
setInterval(() => {
  now = performance.now();
}, 100).unref();

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(private readonly limit: number, private readonly ttlMs: number) {}

  get(key: K): V | undefined {
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

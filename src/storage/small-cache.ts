// A bounded in-memory cache of small stored objects, keyed by storage id. Ids are never rewritten
// (every write gets a new one), so an entry can never go stale; delete() drops it. A hit saves the
// open/read/close of a GET, which on small objects is a large part of the request.
export class SmallObjectCache {
  private readonly entries = new Map<string, Blob>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    readonly maxObjectBytes: number,
    private readonly admitWhenFull = 1 / 16,
  ) {}

  get(id: string): Blob | undefined {
    const hit = this.entries.get(id);
    if (hit) {
      // Most recently used last: Map keeps insertion order, the first entry is evicted first.
      this.entries.delete(id);
      this.entries.set(id, hit);
    }
    return hit;
  }

  set(id: string, bytes: Blob): void {
    if (bytes.size > this.maxObjectBytes || this.entries.has(id)) return;
    // Full: only a share `admitWhenFull` of the misses takes a place, so reads over many objects do
    // not churn it (see BoundedMap for why churn costs memory).
    if (this.bytes + bytes.size > this.maxBytes && Math.random() >= this.admitWhenFull) return;
    this.entries.set(id, bytes);
    this.bytes += bytes.size;
    for (const [oldest, data] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= data.size;
    }
  }

  delete(id: string): void {
    const data = this.entries.get(id);
    if (data) {
      this.entries.delete(id);
      this.bytes -= data.size;
    }
  }
}

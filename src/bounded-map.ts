// A Map with a cap on its entries: adding a new key when full drops the oldest one. For the small
// caches on request paths (signing keys, credentials, buckets, object records, formatted dates).
//
// `admitWhenFull` below 1 makes a full map take a new key only that often (at random), for caches
// that reads spread over many more keys than fit would otherwise churn: every miss would replace an
// entry old enough to have been promoted by the garbage collector, and such garbage piles up until a
// full collection (measured: 32 clients reading 5,000 4 KiB objects at random grew the server to about
// 200 MiB with the object-record and small-object caches replacing an entry on every miss, 98 MiB
// with neither cache). Uniform reads over many keys hit as often either way; a hot key still gets in
// after a few misses.
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number, private readonly admitWhenFull = 1) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) {
      if (this.admitWhenFull < 1 && Math.random() >= this.admitWhenFull) return this;
      this.delete(this.keys().next().value as K);
    }
    return super.set(key, value);
  }
}

// A Map with a cap on its entries: adding a new key when full drops the oldest one. For the small
// caches on request paths (signing keys, credentials, buckets, object records, formatted dates).
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

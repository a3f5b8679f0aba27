// Read-only records: an engine that hands out the record it holds (a cache, the memory engine) freezes
// it once, deeply, instead of copying it for every reader.

/** Makes a record and everything in it read-only, in place; returns it. */
export function frozen<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}

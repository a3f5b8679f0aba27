import { expect, test } from "bun:test";
import { SmallObjectCache } from "../../src/storage/small-cache.ts";

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

test("small-object cache: hits, refuses large objects, evicts the least recently used, forgets deleted ids", () => {
  const cache = new SmallObjectCache(300, 100);
  cache.set("a", bytes(100, 1));
  cache.set("big", bytes(101));
  expect(cache.get("big")).toBeUndefined();
  cache.set("b", bytes(100, 2));
  cache.set("c", bytes(100, 3));
  expect(cache.get("a")?.[0]).toBe(1); // a is now the most recent
  cache.set("d", bytes(100, 4)); // over 300 bytes: b, the least recent, goes
  expect(cache.get("b")).toBeUndefined();
  expect(cache.get("a")?.[0]).toBe(1);
  expect(cache.get("c")?.[0]).toBe(3);
  expect(cache.get("d")?.[0]).toBe(4);
  cache.delete("c");
  expect(cache.get("c")).toBeUndefined();
  cache.set("e", bytes(100, 5)); // room again without evicting a or d
  expect(cache.get("a")?.[0]).toBe(1);
  expect(cache.get("d")?.[0]).toBe(4);
});

import { expect, test } from "bun:test";
import { SmallObjectCache } from "../../src/storage/small-cache.ts";

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

test("small-object cache: hits, refuses large objects, evicts the least recently used, forgets deleted ids", () => {
  const cache = new SmallObjectCache(300, 100, 1);
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

test("small-object cache: when full, only some misses take a place (reads over many objects do not churn it)", () => {
  const cache = new SmallObjectCache(1000, 100, 1 / 16);
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, bytes(100, i));
  for (let i = 0; i < 10; i++) expect(cache.get(`k${i}`)?.[0]).toBe(i);
  let admitted = 0;
  for (let i = 0; i < 1600; i++) {
    cache.set(`n${i}`, bytes(100));
    if (cache.get(`n${i}`)) admitted++;
  }
  expect(admitted).toBeGreaterThan(50);
  expect(admitted).toBeLessThan(200);
});

import { expect, test } from "bun:test";
import { SmallObjectCache } from "../../src/storage/small-cache.ts";

const bytes = (n: number, fill = 1) => new Blob([new Uint8Array(n).fill(fill)]);

test("small-object cache: hits, refuses large objects, evicts the least recently used, forgets deleted ids", () => {
  const cache = new SmallObjectCache(300, 100, 1);
  const [a, b, c, d, e] = [1, 2, 3, 4, 5].map((i) => bytes(100, i)) as [Blob, Blob, Blob, Blob, Blob];
  cache.set("a", a);
  cache.set("big", bytes(101));
  expect(cache.get("big")).toBeUndefined();
  cache.set("b", b);
  cache.set("c", c);
  expect(cache.get("a")).toBe(a); // a is now the most recent
  cache.set("d", d); // over 300 bytes: b, the least recent, goes
  expect(cache.get("b")).toBeUndefined();
  expect(cache.get("a")).toBe(a);
  expect(cache.get("c")).toBe(c);
  expect(cache.get("d")).toBe(d);
  cache.delete("c");
  expect(cache.get("c")).toBeUndefined();
  cache.set("e", e); // room again without evicting a or d
  expect(cache.get("a")).toBe(a);
  expect(cache.get("d")).toBe(d);
});

test("small-object cache: when full, only some misses take a place (reads over many objects do not churn it)", () => {
  const cache = new SmallObjectCache(1000, 100, 1 / 16);
  const first = Array.from({ length: 10 }, (_, i) => bytes(100, i));
  first.forEach((blob, i) => cache.set(`k${i}`, blob));
  first.forEach((blob, i) => expect(cache.get(`k${i}`)).toBe(blob));
  let admitted = 0;
  for (let i = 0; i < 1600; i++) {
    cache.set(`n${i}`, bytes(100));
    if (cache.get(`n${i}`)) admitted++;
  }
  expect(admitted).toBeGreaterThan(50);
  expect(admitted).toBeLessThan(200);
});

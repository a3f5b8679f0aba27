import { expect, test } from "bun:test";
import { BoundedMap } from "../src/bounded-map.ts";

test("BoundedMap drops the oldest entry when a new key would pass the limit", () => {
  const m = new BoundedMap<string, number>(2);
  m.set("a", 1).set("b", 2);
  m.set("a", 10); // an existing key: nothing dropped
  expect([...m.entries()]).toEqual([["a", 10], ["b", 2]]);
  m.set("c", 3);
  expect([...m.keys()]).toEqual(["b", "c"]);
  expect(m.size).toBe(2);
});

test("BoundedMap with admitWhenFull: a full map takes new keys only that often; updates of its keys always", () => {
  const m = new BoundedMap<number, number>(10, 1 / 16);
  for (let i = 0; i < 10; i++) m.set(i, i);
  expect(m.size).toBe(10);
  m.set(3, 33);
  expect(m.get(3)).toBe(33);
  let admitted = 0;
  for (let i = 100; i < 16_100; i++) {
    const had = m.has(i);
    m.set(i, i);
    if (!had && m.has(i)) admitted++;
  }
  expect(m.size).toBe(10);
  // 16,000 tries at 1/16: about 1,000 (far from none and far from all).
  expect(admitted).toBeGreaterThan(700);
  expect(admitted).toBeLessThan(1300);
});

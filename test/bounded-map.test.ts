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

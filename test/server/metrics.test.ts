// The metric families' exposition: counters by label set, histograms cumulative per bucket whatever
// way a value was recorded (by labels, or through a kept series).
import { expect, test } from "bun:test";
import { Counter, Histogram } from "../../src/server/metrics.ts";

test("a histogram renders cumulative buckets, +Inf, sum and count; a kept series adds to the same one", () => {
  const h = new Histogram("h", "help", [0.001, 0.005]);
  h.observe({ op: "Get" }, 0.0004);
  const kept = h.series({ op: "Get" });
  h.record(kept, 0.003);
  h.record(kept, 0.005);
  h.observe({ op: "Get" }, 100);
  expect(h.samples()).toEqual([
    'h_bucket{op="Get",le="0.001"} 1', 'h_bucket{op="Get",le="0.005"} 3', 'h_bucket{op="Get",le="+Inf"} 4',
    `h_sum{op="Get"} ${0.0004 + 0.003 + 0.005 + 100}`, 'h_count{op="Get"} 4',
  ]);
});

test("a counter's kept series and inc by labels are one series", () => {
  const c = new Counter("c", "help");
  c.series({ code: "NoSuchKey" }).value += 2;
  c.inc({ code: "NoSuchKey" });
  c.inc({ code: "AccessDenied" }, 5);
  expect(c.samples()).toEqual(['c{code="NoSuchKey"} 3', 'c{code="AccessDenied"} 5']);
  expect(c.get({ code: "NoSuchKey" })).toBe(3);
});

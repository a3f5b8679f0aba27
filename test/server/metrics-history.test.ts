// The console's charts' data: each 10-second interval's requests, errors, bytes and 99th percentile
// latency, and the stored totals sampled every sixth interval.
import { expect, test } from "bun:test";
import { MetricsHistory } from "../../src/server/metrics-history.ts";

test("an interval's counts and p99 (the upper bound of its bucket); stored totals every sixth interval", async () => {
  let asked = 0;
  const h = new MetricsHistory(async () => ({ objects: ++asked * 10, bytes: asked * 1000 }));
  for (let i = 0; i < 99; i++) h.record({ status: 200, seconds: 0.002, bytesIn: 0, bytesOut: 4096 });
  h.record({ status: 503, seconds: 0.3, bytesIn: 100, bytesOut: 0 });
  h.tick(1_000);
  h.tick(2_000);
  await Bun.sleep(0);
  const view = h.view();
  expect(view.intervalSeconds).toBe(10);
  expect(view.traffic).toEqual([
    { t: 1_000, requests: 100, errors: 1, bytesIn: 100, bytesOut: 99 * 4096, p99Ms: 2.5 },
    { t: 2_000, requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, p99Ms: 0 },
  ]);
  expect(view.stored).toEqual([{ t: 1_000, objects: 10, bytes: 1000 }]);
  for (let i = 0; i < 5; i++) h.tick(3_000 + i);
  await Bun.sleep(0);
  expect(h.view().stored.length).toBe(2);
});

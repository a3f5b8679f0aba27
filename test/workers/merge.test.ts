import { describe, expect, test } from "bun:test";
import { mergeMetrics } from "../../src/workers/merge-metrics.ts";
import { mergeHistories } from "../../src/server/metrics-history.ts";

const one = `# HELP bleepstore_requests_total S3 requests.
# TYPE bleepstore_requests_total counter
bleepstore_requests_total{operation="GetObject",status="2xx"} 3
# TYPE bleepstore_request_duration_seconds histogram
bleepstore_request_duration_seconds_bucket{operation="GetObject",le="0.001"} 2
bleepstore_request_duration_seconds_bucket{operation="GetObject",le="+Inf"} 3
bleepstore_request_duration_seconds_sum{operation="GetObject"} 0.0025
bleepstore_request_duration_seconds_count{operation="GetObject"} 3
# TYPE bleepstore_objects_total gauge
bleepstore_objects_total 10
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1000
# TYPE process_start_time_seconds gauge
process_start_time_seconds 200
# TYPE bleepstore_requests_in_flight gauge
bleepstore_requests_in_flight 1
`;
const two = `# TYPE bleepstore_requests_total counter
bleepstore_requests_total{operation="GetObject",status="2xx"} 4
bleepstore_requests_total{operation="PutObject",status="2xx"} 1
# TYPE bleepstore_request_duration_seconds histogram
bleepstore_request_duration_seconds_bucket{operation="GetObject",le="0.001"} 1
bleepstore_request_duration_seconds_bucket{operation="GetObject",le="+Inf"} 4
bleepstore_request_duration_seconds_sum{operation="GetObject"} 0.5
bleepstore_request_duration_seconds_count{operation="GetObject"} 4
# TYPE bleepstore_objects_total gauge
bleepstore_objects_total 11
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 500
# TYPE process_start_time_seconds gauge
process_start_time_seconds 100
# TYPE bleepstore_requests_in_flight gauge
bleepstore_requests_in_flight 2
# TYPE bleepstore_queue_pending gauge
bleepstore_queue_pending{target="queue"} 7
`;

const value = (text: string, series: string) => Number(text.split("\n").find((l) => l.startsWith(`${series} `))?.split(" ")[1]);

describe("one /metrics for all worker processes", () => {
  test("counters and histograms add up, per-process gauges add up, the start time is the earliest, engine gauges are reported once", () => {
    const merged = mergeMetrics(one, [two], [1, 2]);
    expect(value(merged, 'bleepstore_requests_total{operation="GetObject",status="2xx"}')).toBe(7);
    expect(value(merged, 'bleepstore_requests_total{operation="PutObject",status="2xx"}')).toBe(1);
    expect(value(merged, 'bleepstore_request_duration_seconds_bucket{operation="GetObject",le="+Inf"}')).toBe(7);
    expect(value(merged, 'bleepstore_request_duration_seconds_sum{operation="GetObject"}')).toBeCloseTo(0.5025);
    expect(value(merged, "bleepstore_objects_total")).toBe(11);
    expect(value(merged, "process_resident_memory_bytes")).toBe(1500);
    expect(value(merged, "process_start_time_seconds")).toBe(100);
    expect(value(merged, "bleepstore_requests_in_flight")).toBe(3);
    expect(value(merged, 'bleepstore_queue_pending{target="queue"}')).toBe(7);
    expect(merged).toContain('bleepstore_worker_up{worker="2"} 1');
    // Every family once, with its TYPE line before its samples.
    expect(merged.match(/^# TYPE bleepstore_requests_total /gm)).toHaveLength(1);
    expect(merged.indexOf("# TYPE bleepstore_queue_pending")).toBeLessThan(merged.indexOf("bleepstore_queue_pending{"));
  });

  test("the console's charts: traffic summed slot by slot, the highest p99, one stored series", () => {
    const point = (t: number, requests: number, p99Ms: number) => ({ t, requests, errors: 0, bytesIn: requests, bytesOut: 0, p99Ms });
    const merged = mergeHistories([
      { intervalSeconds: 10, traffic: [point(100_001, 5, 2), point(110_002, 1, 1)], stored: [{ t: 100_001, objects: 3, bytes: 30 }] },
      { intervalSeconds: 10, traffic: [point(100_007, 2, 9), point(120_000, 4, 1)], stored: [{ t: 100_007, objects: 3, bytes: 30 }] },
    ]);
    expect(merged.traffic.map((p) => [p.t, p.requests, p.p99Ms])).toEqual([[100_000, 7, 9], [110_000, 1, 1], [120_000, 4, 1]]);
    expect(merged.stored).toHaveLength(1);
  });
});

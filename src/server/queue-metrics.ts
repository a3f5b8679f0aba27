// The queue's metric families (SPEC §10), per target: published and failed (counters), pending and
// dead-lettered events (gauges), and the commit-to-confirmation lag of recent events (p50, p99).
import type { QueueRuntime } from "../queue/delivery.ts";
import { CollectedGauge, type Registry } from "./metrics.ts";

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function addQueueMetrics(registry: Registry, queue: QueueRuntime): void {
  const per = (pick: (t: ReturnType<QueueRuntime["delivery"]["stats"]>[number]) => number) => () =>
    queue.delivery.stats().map((t) => ({ labels: { target: t.id, kind: t.kind }, value: pick(t) }));
  registry.add(new CollectedGauge("bleepstore_queue_published_total", "Messages the broker confirmed, by target.", per((t) => t.published), "counter"));
  registry.add(new CollectedGauge("bleepstore_queue_failed_total", "Publish attempts that failed, by target.", per((t) => t.failed), "counter"));
  registry.add(new CollectedGauge("bleepstore_queue_pending", "Events waiting for a target's confirmation.", per((t) => t.pending)));
  registry.add(new CollectedGauge("bleepstore_queue_dead_letter", "Events moved to the dead-letter file because a target could not take them.", per((t) => t.deadLetter)));
  registry.add(new CollectedGauge("bleepstore_queue_latency_ms", "Commit-to-confirmation time of recent events, by target (p50, p99).", () =>
    queue.delivery.stats().flatMap((t) => {
      const sorted = [...t.latencies].sort((a, b) => a - b);
      return [0.5, 0.99].map((q) => ({ labels: { target: t.id, kind: t.kind, quantile: String(q) }, value: quantile(sorted, q) }));
    })));
}

// BleepStore's metric families: requests by operation and status class, latency per operation,
// bytes in and out, errors by code, requests in flight, stored objects and bytes per bucket, open
// multipart uploads, and process figures.
import type { Engine } from "../core/engine.ts";
import { CollectedGauge, Counter, Histogram, Registry } from "./metrics.ts";

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface RequestRecord {
  operation: string;
  status: number;
  errorCode?: string;
  seconds: number;
  bytesIn: number;
  bytesOut: number;
}

export class S3Metrics {
  private readonly registry = new Registry();
  readonly requests = this.registry.add(new Counter("bleepstore_requests_total", "S3 requests by operation and status class."));
  private readonly latency = this.registry.add(
    new Histogram("bleepstore_request_duration_seconds", "Time to answer an S3 request, by operation.", LATENCY_BUCKETS),
  );
  private readonly errors = this.registry.add(new Counter("bleepstore_errors_total", "S3 error responses by error code."));
  private readonly bytesIn = this.registry.add(new Counter("bleepstore_bytes_received_total", "Request body bytes received."));
  private readonly bytesOut = this.registry.add(new Counter("bleepstore_bytes_sent_total", "Response body bytes sent."));
  private readonly inFlight = this.registry.add(new Counter("bleepstore_requests_in_flight", "S3 requests being served now.", "gauge"));
  private readonly events = this.registry.add(new Counter("bleepstore_events_total", "Engine events delivered from the outbox, by type."));
  private stats: Array<{ bucket: string; objects: number; bytes: number }> = [];
  private openUploads = 0;
  private readonly startedAt = Date.now() / 1000;
  private readonly startCpu = process.cpuUsage();

  constructor(private readonly engine: Engine) {
    this.registry.add(new CollectedGauge("bleepstore_objects", "Objects stored, by bucket.", () =>
      this.stats.map((s) => ({ labels: { bucket: s.bucket }, value: s.objects }))));
    this.registry.add(new CollectedGauge("bleepstore_object_bytes", "Bytes stored, by bucket.", () =>
      this.stats.map((s) => ({ labels: { bucket: s.bucket }, value: s.bytes }))));
    this.registry.add(new CollectedGauge("bleepstore_multipart_uploads_open", "Multipart uploads in progress.", () => [
      { labels: {}, value: this.openUploads },
    ]));
    this.registry.add(new CollectedGauge("bleepstore_object_counts_approximate", "1 when the metadata engine keeps object counts only approximately.", () => [
      { labels: { engine: engine.metadata.engine }, value: engine.metadata.statsApproximate ? 1 : 0 },
    ]));
    engine.events.subscribe((event) => this.events.inc({ type: event.type }));
    this.registry.add(new CollectedGauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => [
      { labels: {}, value: process.memoryUsage.rss() },
    ]));
    this.registry.add(new CollectedGauge("process_heap_bytes", "JavaScript heap in use, in bytes.", () => [
      { labels: {}, value: process.memoryUsage().heapUsed },
    ]));
    this.registry.add(new CollectedGauge("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", () => {
      const used = process.cpuUsage(this.startCpu);
      return [{ labels: {}, value: (used.user + used.system) / 1e6 }];
    }));
    this.registry.add(new CollectedGauge("process_start_time_seconds", "Start time of the process since the epoch, in seconds.", () => [
      { labels: {}, value: Math.floor(this.startedAt) },
    ]));
  }

  begin(): void {
    this.inFlight.inc({}, 1);
  }

  end(r: RequestRecord): void {
    this.inFlight.inc({}, -1);
    this.requests.inc({ operation: r.operation, status_class: `${Math.floor(r.status / 100)}xx` });
    this.latency.observe({ operation: r.operation }, r.seconds);
    if (r.errorCode) this.errors.inc({ code: r.errorCode });
    if (r.bytesIn > 0) this.bytesIn.inc({}, r.bytesIn);
    if (r.bytesOut > 0) this.bytesOut.inc({}, r.bytesOut);
  }

  /** The exposition text; reads the engine's counters first. */
  async render(): Promise<string> {
    [this.stats, this.openUploads] = await Promise.all([this.engine.metadata.bucketStats(), this.engine.metadata.openUploadCount()]);
    return this.registry.render();
  }
}

// BleepStore's metric families: requests by operation and status class, latency per operation,
// bytes in and out, errors by code, requests in flight, stored objects and bytes per bucket, open
// multipart uploads, and process figures.
import type { Engine } from "../core/engine.ts";
import { readdirSync } from "node:fs";
import { CollectedGauge, Counter, Histogram, Registry, type CounterSeries, type HistogramSeries } from "./metrics.ts";
import { MetricsHistory } from "./metrics-history.ts";
import type { QueueRuntime } from "../queue/delivery.ts";
import { addQueueMetrics } from "./queue-metrics.ts";

/** How many descriptors this process holds (Linux: /proc/self/fd); 0 where that cannot be read. */
function openFds(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

const SIZE_BUCKETS = [0, 256, 4096, 65536, 1048576, 8388608, 67108864, 536870912, 5368709120];
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface RequestRecord {
  method: string;
  /** The route template: "/", "/{bucket}", "/{bucket}/{key}". */
  path: string;
  operation: string;
  status: number;
  errorCode?: string;
  seconds: number;
  bytesIn: number;
  bytesOut: number;
}

/** The series one kind of request (method, route, status, operation, error) adds to, found once. */
interface RequestSeries {
  http: CounterSeries;
  duration: HistogramSeries;
  requestSize: HistogramSeries;
  responseSize: HistogramSeries;
  operation: CounterSeries;
  requests: CounterSeries;
  latency: HistogramSeries;
  error?: CounterSeries;
}
/** Kinds of request remembered (each is a handful of label sets; more are recorded the slow way). */
const MAX_KINDS = 4096;

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
  // The families every BleepStore edition exposes under these names (SPEC §12).
  private readonly httpRequests = this.registry.add(new Counter("bleepstore_http_requests_total", "HTTP requests by method, route template and status code."));
  private readonly httpDuration = this.registry.add(
    new Histogram("bleepstore_http_request_duration_seconds", "Time to answer an HTTP request, by method and route template.", LATENCY_BUCKETS),
  );
  private readonly httpRequestSize = this.registry.add(
    new Histogram("bleepstore_http_request_size_bytes", "Request body sizes, by method and route template.", SIZE_BUCKETS),
  );
  private readonly httpResponseSize = this.registry.add(
    new Histogram("bleepstore_http_response_size_bytes", "Response body sizes, by method and route template.", SIZE_BUCKETS),
  );
  private readonly s3Operations = this.registry.add(new Counter("bleepstore_s3_operations_total", "S3 operations by name and outcome (success or error)."));
  private stats: Array<{ bucket: string; objects: number; bytes: number }> = [];
  private openUploads = 0;
  private readonly startedAt = Date.now() / 1000;
  private readonly startCpu = process.cpuUsage();

  /** The last hour of this node's traffic and the stored totals, for the console's charts (kept only for a console). */
  readonly history?: MetricsHistory;

  constructor(private readonly engine: Engine, queue?: QueueRuntime, cluster?: { id: string; heldJobs(): string[] }, keepHistory = false) {
    if (keepHistory) {
      this.history = new MetricsHistory(async () => {
        const stats = await engine.metadata.bucketStats();
        return { objects: stats.reduce((n, s) => n + s.objects, 0), bytes: stats.reduce((n, s) => n + s.bytes, 0) };
      });
    }
    if (queue) addQueueMetrics(this.registry, queue);
    if (cluster) {
      // Per node: which node this is, and the background jobs it runs now (README "Running a cluster").
      this.registry.add(new CollectedGauge("bleepstore_cluster_node", "1, labelled with this node's id (cluster mode).", () => [{ labels: { node: cluster.id }, value: 1 }]));
      this.registry.add(new CollectedGauge("bleepstore_cluster_job_held", "1 for each background job this node runs now (cluster mode).", () =>
        cluster.heldJobs().map((job) => ({ labels: { node: cluster.id, job }, value: 1 }))));
    }
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
    const lockWaits = engine.metadata.lockWaits?.bind(engine.metadata);
    if (lockWaits) {
      // Worker processes take turns on SQLite's write lock: how often a group commit found it held, and how long it waited.
      this.registry.add(new CollectedGauge("bleepstore_sqlite_lock_waits_total", "Group commits that waited for SQLite's write lock (held by another worker process).", () => [
        { labels: {}, value: lockWaits().count },
      ], "counter"));
      this.registry.add(new CollectedGauge("bleepstore_sqlite_lock_wait_seconds_total", "Time group commits spent waiting for SQLite's write lock.", () => [
        { labels: {}, value: lockWaits().seconds },
      ], "counter"));
    }
    this.registry.add(new CollectedGauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => [
      { labels: {}, value: process.memoryUsage.rss() },
    ]));
    this.registry.add(new CollectedGauge("process_heap_bytes", "JavaScript heap in use, in bytes.", () => [
      { labels: {}, value: process.memoryUsage().heapUsed },
    ]));
    this.registry.add(new CollectedGauge("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", () => {
      const used = process.cpuUsage(this.startCpu);
      return [{ labels: {}, value: (used.user + used.system) / 1e6 }];
    }, "counter"));
    this.registry.add(new CollectedGauge("process_open_fds", "Open file descriptors.", () => [{ labels: {}, value: openFds() }]));
    this.registry.add(new CollectedGauge("bleepstore_objects_total", "Objects stored (versions holding data), all buckets.", () => [
      { labels: {}, value: this.stats.reduce((n, s) => n + s.objects, 0) },
    ]));
    this.registry.add(new CollectedGauge("bleepstore_buckets_total", "Buckets.", () => [{ labels: {}, value: this.stats.length }]));
    this.registry.add(new CollectedGauge("process_start_time_seconds", "Start time of the process since the epoch, in seconds.", () => [
      { labels: {}, value: Math.floor(this.startedAt) },
    ]));
  }

  begin(): void {
    this.inFlightNow.value++;
  }

  /** An HTTP request outside the S3 API (health, metrics): the family's HTTP series only. */
  http(method: string, path: string, status: number, seconds: number, bytesOut: number): void {
    this.httpRequests.inc({ method, path, status: String(status) });
    this.httpDuration.observe({ method, path }, seconds);
    this.httpRequestSize.observe({ method, path }, 0);
    this.httpResponseSize.observe({ method, path }, bytesOut);
  }

  private readonly kinds = new Map<string, RequestSeries>();
  private readonly inFlightNow = this.inFlight.series({});
  private readonly bytesInAll = this.bytesIn.series({});
  private readonly bytesOutAll = this.bytesOut.series({});

  private seriesOf(r: RequestRecord): RequestSeries {
    const kind = `${r.method}\u0000${r.path}\u0000${r.status}\u0000${r.operation}\u0000${r.errorCode ?? ""}`;
    let s = this.kinds.get(kind);
    if (!s) {
      const route = { method: r.method, path: r.path };
      s = {
        http: this.httpRequests.series({ method: r.method, path: r.path, status: String(r.status) }),
        duration: this.httpDuration.series(route), requestSize: this.httpRequestSize.series(route), responseSize: this.httpResponseSize.series(route),
        operation: this.s3Operations.series({ operation: r.operation, status: r.errorCode ? "error" : "success" }),
        requests: this.requests.series({ operation: r.operation, status_class: `${Math.floor(r.status / 100)}xx` }),
        latency: this.latency.series({ operation: r.operation }),
        ...(r.errorCode ? { error: this.errors.series({ code: r.errorCode }) } : {}),
      };
      if (this.kinds.size < MAX_KINDS) this.kinds.set(kind, s);
    }
    return s;
  }

  end(r: RequestRecord): void {
    this.inFlightNow.value--;
    const s = this.seriesOf(r);
    s.http.value++;
    this.httpDuration.record(s.duration, r.seconds);
    this.httpRequestSize.record(s.requestSize, r.bytesIn);
    this.httpResponseSize.record(s.responseSize, r.bytesOut);
    s.operation.value++;
    s.requests.value++;
    this.latency.record(s.latency, r.seconds);
    this.history?.record(r);
    if (s.error) s.error.value++;
    this.bytesInAll.value += r.bytesIn;
    this.bytesOutAll.value += r.bytesOut;
  }

  /** The exposition text; reads the engine's counters first. */
  async render(): Promise<string> {
    [this.stats, this.openUploads] = await Promise.all([this.engine.metadata.bucketStats(), this.engine.metadata.openUploadCount()]);
    return this.registry.render();
  }
}

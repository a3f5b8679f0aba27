// The last hour of this node's S3 traffic for the console's charts: every 10 seconds, the requests,
// errors, bytes in and out and the 99th percentile latency of that interval; every minute, the stored
// objects and bytes. Fixed rings (360 and 60 points): a few kilobytes, whatever the traffic.
const INTERVAL_MS = 10_000;
const POINTS = 360;
const STATS_EVERY = 6;
/** Upper bounds (seconds) of the latency buckets the percentile is read from. */
const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, Infinity];

export interface TrafficPoint {
  t: number;
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** The interval's 99th percentile latency (ms): the upper bound of the bucket it falls in; 0 without requests. */
  p99Ms: number;
}

export interface StoredPoint {
  t: number;
  objects: number;
  bytes: number;
}

export class MetricsHistory {
  private requests = 0;
  private errors = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly latency = new Array<number>(BOUNDS.length).fill(0);
  private readonly traffic: TrafficPoint[] = [];
  private readonly stored: StoredPoint[] = [];
  private ticks = 0;

  /** `stats` reads the stored objects and bytes (every minute). */
  constructor(private readonly stats: () => Promise<{ objects: number; bytes: number }>) {
    setInterval(() => this.tick(), INTERVAL_MS).unref();
  }

  record(r: { status: number; seconds: number; bytesIn: number; bytesOut: number }): void {
    this.requests++;
    if (r.status >= 400) this.errors++;
    this.bytesIn += r.bytesIn;
    this.bytesOut += r.bytesOut;
    let i = 0;
    while (r.seconds > BOUNDS[i]!) i++;
    this.latency[i]!++;
  }

  private p99(): number {
    const wanted = Math.ceil(this.requests * 0.99);
    let seen = 0;
    for (let i = 0; i < BOUNDS.length; i++) {
      seen += this.latency[i]!;
      if (seen >= wanted && seen > 0) return Number.isFinite(BOUNDS[i]!) ? BOUNDS[i]! * 1000 : 60_000;
    }
    return 0;
  }

  /** Closes the interval (exported for tests: the timer calls it every 10 seconds). */
  tick(now = Date.now()): void {
    this.traffic.push({ t: now, requests: this.requests, errors: this.errors, bytesIn: this.bytesIn, bytesOut: this.bytesOut, p99Ms: this.p99() });
    if (this.traffic.length > POINTS) this.traffic.shift();
    this.requests = this.errors = this.bytesIn = this.bytesOut = 0;
    this.latency.fill(0);
    if (this.ticks++ % STATS_EVERY === 0) {
      void this.stats().then((s) => {
        this.stored.push({ t: now, ...s });
        if (this.stored.length > POINTS / STATS_EVERY) this.stored.shift();
      }, () => undefined);
    }
  }

  view(): { intervalSeconds: number; traffic: TrafficPoint[]; stored: StoredPoint[] } {
    return { intervalSeconds: INTERVAL_MS / 1000, traffic: [...this.traffic], stored: [...this.stored] };
  }
}

export type HistoryView = ReturnType<MetricsHistory["view"]>;

/**
 * Several worker processes' charts as one: traffic summed interval by interval (each worker closes its
 * intervals at its own moments, so points are matched by the 10-second slot they close in), the 99th
 * percentile the highest of theirs; the stored series, which all read from the one engine, the first's.
 */
export function mergeHistories(views: HistoryView[]): HistoryView {
  const [first] = views;
  if (!first) return { intervalSeconds: INTERVAL_MS / 1000, traffic: [], stored: [] };
  const slots = new Map<number, TrafficPoint>();
  for (const view of views) {
    for (const p of view.traffic) {
      const slot = Math.floor(p.t / INTERVAL_MS);
      const into = slots.get(slot);
      if (!into) slots.set(slot, { ...p, t: slot * INTERVAL_MS });
      else {
        into.requests += p.requests;
        into.errors += p.errors;
        into.bytesIn += p.bytesIn;
        into.bytesOut += p.bytesOut;
        into.p99Ms = Math.max(into.p99Ms, p.p99Ms);
      }
    }
  }
  return { intervalSeconds: first.intervalSeconds, traffic: [...slots.values()].sort((a, b) => a.t - b.t), stored: first.stored };
}

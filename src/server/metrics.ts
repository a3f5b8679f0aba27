// Prometheus metrics, Bun-native: counters, gauges and histograms with labels, rendered in the text
// exposition format. Per-request recording is a few map lookups; nothing is computed at scrape time
// but process figures and the gauges the engine keeps as counters.

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "" : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
};

abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {}
  abstract samples(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
  }
}

/** A map key for a label set: its values in order (call sites always name labels in one order). */
function labelKey(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${labels[name]}\u0000`;
  return key;
}

/** One labelled series of a counter: added to directly by a caller that keeps it. */
export interface CounterSeries {
  labels: Labels;
  value: number;
}

export class Counter extends Family {
  private readonly values = new Map<string, CounterSeries>();
  constructor(name: string, help: string, type: "counter" | "gauge" = "counter") {
    super(name, help, type);
  }
  inc(labels: Labels = {}, by = 1): void {
    this.series(labels).value += by;
  }
  /** The series of a label set (made at 0 on first use). */
  series(labels: Labels): CounterSeries {
    const key = labelKey(labels);
    let entry = this.values.get(key);
    if (!entry) {
      entry = { labels, value: 0 };
      this.values.set(key, entry);
    }
    return entry;
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  samples(): string[] {
    return [...this.values.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`);
  }
}

/** A gauge whose samples are read when scraped. */
export class CollectedGauge extends Family {
  constructor(
    name: string,
    help: string,
    private readonly collect: () => Array<{ labels: Labels; value: number }>,
    /** A value that only grows (CPU seconds) is exposed as a counter. */
    type: "gauge" | "counter" = "gauge",
  ) {
    super(name, help, type);
  }
  samples(): string[] {
    return this.collect().map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`);
  }
}

/** One labelled series of a histogram: each observation counted in the one bucket it falls in (cumulated when rendered). */
export interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family {
  private readonly all = new Map<string, HistogramSeries>();
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help, "histogram");
  }
  observe(labels: Labels, value: number): void {
    this.record(this.series(labels), value);
  }
  /** The series of a label set (made empty on first use). */
  series(labels: Labels): HistogramSeries {
    const key = labelKey(labels);
    let s = this.all.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.all.set(key, s);
    }
    return s;
  }
  record(s: HistogramSeries, value: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    if (i < b.length) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  samples(): string[] {
    return [...this.all.values()].flatMap(({ labels, counts, sum, count }) => [
      ...this.buckets.map((le, i) => `${this.name}_bucket${labelText({ ...labels, le: String(le) })} ${counts.slice(0, i + 1).reduce((a, c) => a + c, 0)}`),
      `${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`,
      `${this.name}_sum${labelText(labels)} ${sum}`,
      `${this.name}_count${labelText(labels)} ${count}`,
    ]);
  }
}

export class Registry {
  private readonly families: Family[] = [];
  add<F extends Family>(family: F): F {
    this.families.push(family);
    return family;
  }
  render(): string {
    return `${this.families.map((f) => f.render()).join("\n")}\n`;
  }
}

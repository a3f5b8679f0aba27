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

export class Counter extends Family {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(name: string, help: string, type: "counter" | "gauge" = "counter") {
    super(name, help, type);
  }
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
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

export class Histogram extends Family {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    name: string,
    help: string,
    private readonly buckets: number[],
  ) {
    super(name, help, "histogram");
  }
  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  samples(): string[] {
    return [...this.series.values()].flatMap(({ labels, counts, sum, count }) => [
      ...this.buckets.map((le, i) => `${this.name}_bucket${labelText({ ...labels, le: String(le) })} ${counts[i]}`),
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

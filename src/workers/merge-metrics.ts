// One /metrics for all worker processes: the answering worker's exposition with every other worker's
// samples folded in, family by family. Counters and histograms add up (requests served by either
// worker), and so do the per-process gauges (memory, CPU, descriptors, requests in flight); the start
// time is the earliest; every other gauge describes the shared engine (objects, buckets, the queue as
// its delivering worker sees it), so the largest report stands.

interface Family {
  /** The # HELP and # TYPE lines, as the first worker that reported the family wrote them. */
  head: string[];
  type: string;
  name: string;
  samples: Map<string, number>;
}

const SUMMED_GAUGES = new Set(["bleepstore_requests_in_flight"]);

function parse(text: string): Family[] {
  const families: Family[] = [];
  let current: Family | undefined;
  let help: string | undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) {
      help = line;
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, , name = "", type = "untyped"] = line.split(" ");
      current = { head: help ? [help, line] : [line], type, name, samples: new Map() };
      families.push(current);
      help = undefined;
      continue;
    }
    if (line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    if (cut <= 0) continue;
    const series = line.slice(0, cut);
    if (!current) families.push((current = { head: [], type: "untyped", name: series.replace(/\{.*$/, ""), samples: new Map() }));
    current.samples.set(series, Number(line.slice(cut + 1)));
  }
  return families;
}

function combine(f: Family, a: number, b: number): number {
  if (f.type !== "gauge" || SUMMED_GAUGES.has(f.name)) return a + b;
  if (f.name === "process_start_time_seconds") return Math.min(a, b);
  if (f.name.startsWith("process_")) return a + b;
  return Math.max(a, b);
}

/** `own` with `others` folded in, plus bleepstore_worker_up for each worker that answered. */
export function mergeMetrics(own: string, others: string[], up: number[]): string {
  const merged = parse(own);
  const byName = new Map(merged.map((f) => [f.name, f]));
  for (const text of others) {
    for (const f of parse(text)) {
      const into = byName.get(f.name);
      if (!into) {
        merged.push(f);
        byName.set(f.name, f);
        continue;
      }
      for (const [series, value] of f.samples) {
        const have = into.samples.get(series);
        into.samples.set(series, have === undefined ? value : combine(into, have, value));
      }
    }
  }
  const out: string[] = [];
  for (const f of merged) {
    out.push(...f.head);
    for (const [series, value] of f.samples) out.push(`${series} ${value}`);
  }
  out.push("# HELP bleepstore_worker_up 1 for each worker process that reported into this scrape (server.workers).");
  out.push("# TYPE bleepstore_worker_up gauge");
  for (const worker of up) out.push(`bleepstore_worker_up{worker="${worker}"} 1`);
  return `${out.join("\n")}\n`;
}

// A bounded load generator: `concurrency` workers issue requests until `seconds` pass or `count`
// requests are done; latencies and errors are recorded, never hidden. Loopback targets only.
export interface LoadResult {
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50ms: number;
  p99ms: number;
  bytes: number;
  MBps: number;
  firstError?: string;
}

export interface LoadOptions {
  concurrency: number;
  seconds: number;
  count?: number;
  /** Performs request number i; resolves to the bytes moved, or throws/returns a failure text. */
  request: (i: number) => Promise<number | { error: string }>;
}

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);

/** What one run of the load saw, unsummarized: runs can be merged (turns of an alternation). */
export interface LoadSample {
  latencies: number[];
  errors: number;
  bytes: number;
  seconds: number;
  firstError?: string;
}

export async function sampleLoad(o: LoadOptions): Promise<LoadSample> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let bytes = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  await Promise.all(Array.from({ length: o.concurrency }, async () => {
    while (performance.now() < deadline && (o.count === undefined || next < o.count)) {
      const i = next++;
      const t = performance.now();
      try {
        const r = await o.request(i);
        if (typeof r === "number") bytes += r;
        else {
          errors++;
          firstError ??= r.error;
        }
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
      latencies.push(performance.now() - t);
    }
  }));
  return { latencies, errors, bytes, seconds: (performance.now() - started) / 1000, ...(firstError ? { firstError } : {}) };
}

/** The samples' requests taken together, over the time they took in all. */
export function summarize(...samples: LoadSample[]): LoadResult {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  const bytes = samples.reduce((sum, s) => sum + s.bytes, 0);
  const firstError = samples.find((s) => s.firstError)?.firstError;
  return {
    ops: latencies.length, errors: samples.reduce((sum, s) => sum + s.errors, 0), seconds: +seconds.toFixed(2),
    opsPerSec: +(latencies.length / seconds).toFixed(0),
    p50ms: +percentile(latencies, 50).toFixed(2), p99ms: +percentile(latencies, 99).toFixed(2),
    bytes, MBps: +(bytes / 1e6 / seconds).toFixed(1), ...(firstError ? { firstError } : {}),
  };
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  return summarize(await sampleLoad(o));
}

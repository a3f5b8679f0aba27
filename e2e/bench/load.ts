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

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
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
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length, errors, seconds: +seconds.toFixed(2), opsPerSec: +(latencies.length / seconds).toFixed(0),
    p50ms: +percentile(latencies, 50).toFixed(2), p99ms: +percentile(latencies, 99).toFixed(2),
    bytes, MBps: +(bytes / 1e6 / seconds).toFixed(1), ...(firstError ? { firstError } : {}),
  };
}

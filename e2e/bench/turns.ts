// Two or more sides measured in alternating turns on one server (this machine is noisy: a ratio's sides
// measured turn by turn are what mean something), each with the server's CPU per request, and printed
// as JSON lines and a table.
import { cpuSeconds } from "./cpu.ts";
import { sampleLoad, summarize, type LoadSample } from "./load.ts";

export interface TurnRow {
  scenario: string;
  opsPerSec: number;
  MBps: number;
  p99ms: number;
  errors: number;
  serverCpuUsPerRequest: number;
}

/**
 * `sides`: each side's scenario name and its request (and the server it is charged to, when not `pid`'s);
 * `seconds` in all, split over `turns`; `concurrency` clients.
 */
export async function inTurns(
  pid: () => number, sides: Array<{ scenario: string; request: (i: number) => Promise<number | { error: string }>; pid?: () => number }>,
  seconds: number, turns = 6, concurrency = 32,
): Promise<TurnRow[]> {
  const samples = sides.map(() => [] as LoadSample[]);
  const cpu = sides.map(() => 0);
  for (let t = 0; t < turns; t++) {
    for (const [i, side] of sides.entries()) {
      const of = side.pid ?? pid;
      const before = cpuSeconds(of());
      samples[i]!.push(await sampleLoad({ concurrency, seconds: seconds / turns, request: side.request }));
      cpu[i]! += cpuSeconds(of()) - before;
    }
  }
  return sides.map((side, i) => {
    const r = summarize(...samples[i]!);
    return { scenario: side.scenario, ...r, serverCpuUsPerRequest: Math.round((cpu[i]! * 1e6) / Math.max(1, r.ops)) };
  });
}

/** The rows as JSON lines (with `bench`) and a table. */
export function printRows(bench: string, rows: TurnRow[]): void {
  for (const r of rows) console.log(JSON.stringify({ bench, ...r }));
  console.log("\n| scenario | ops/s | MB/s | p99 ms | errors | server CPU µs/request |\n|---|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.scenario} | ${r.opsPerSec} | ${r.MBps} | ${r.p99ms} | ${r.errors} | ${r.serverCpuUsPerRequest} |`);
}

// How one worker process answers for all of them (server.workers): each worker also listens on a
// socket of its own (Linux's abstract namespace, named after the data directory; never on the network),
// where it answers /_bleepstore/worker/metrics and /_bleepstore/worker/health for itself alone,
// and everything else as on the port; a scrape or health check that reaches any worker gathers the
// others' through their sockets. (The socket is also the way to one given worker: the tests use it.)
import { socketPath, type WorkerRole } from "./worker.ts";
import { mergeMetrics } from "./merge-metrics.ts";
import type { LaneStats } from "../queue/delivery.ts";

const PEER_TIMEOUT_MS = 2000;
const OWN_METRICS = "/_bleepstore/worker/metrics";
const OWN_HEALTH = "/_bleepstore/worker/health";
const OWN_HISTORY = "/_bleepstore/worker/history";

/** What a worker process reports of itself to the one answering for all. */
export interface WorkerHealth {
  pid: number;
  status: "ok" | "degraded";
  /** Whether it runs event delivery now (one worker at a time), and its queue's state and targets. */
  delivers: boolean;
  queue?: unknown;
  lanes?: LaneStats[];
}

export interface OwnReports {
  metrics(): Promise<string> | string;
  health(): Promise<WorkerHealth>;
  /** The console's charts of this worker's traffic (null when the console is not served). */
  history(): unknown;
}

export type PeerReport = { worker: number; status: "ok"; report: WorkerHealth } | { worker: number; status: "unreachable"; error: string };

export class WorkerPeers {
  constructor(readonly role: WorkerRole, private readonly own: OwnReports) {}

  /**
   * Starts this worker's own socket; `app` answers the rest. A predecessor that is still going away (its
   * supervisor was killed a moment ago) may hold the name: tried again for a few seconds.
   */
  async serve(app: (request: Request) => Response | Promise<Response>): Promise<void> {
    for (let waited = 0; ; waited += 100) {
      try {
        return this.listen(app);
      } catch (err) {
        if ((err as { code?: string }).code !== "EADDRINUSE" || waited >= 5000) throw err;
      }
      await Bun.sleep(100);
    }
  }

  private listen(app: (request: Request) => Response | Promise<Response>): void {
    Bun.serve({
      unix: socketPath(this.role.runDir, this.role.index),
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch: async (request) => {
        const { pathname } = new URL(request.url);
        if (pathname === OWN_METRICS) return new Response(await this.own.metrics());
        if (pathname === OWN_HEALTH) return Response.json(await this.own.health());
        if (pathname === OWN_HISTORY) return Response.json(this.own.history());
        return app(request);
      },
    });
  }

  /** The other workers' answers to `path` (one that is restarting, or stuck, is named unreachable). */
  private async others(path: typeof OWN_METRICS | typeof OWN_HEALTH | typeof OWN_HISTORY): Promise<Array<{ worker: number; body?: string; error?: string }>> {
    const workers = Array.from({ length: this.role.count }, (_, i) => i + 1).filter((i) => i !== this.role.index);
    return Promise.all(workers.map(async (worker) => {
      try {
        const res = await fetch(`http://localhost${path}`, { unix: socketPath(this.role.runDir, worker), signal: AbortSignal.timeout(PEER_TIMEOUT_MS) });
        if (!res.ok) return { worker, error: `HTTP ${res.status}` };
        return { worker, body: await res.text() };
      } catch (err) {
        return { worker, error: String((err as Error)?.message ?? err) };
      }
    }));
  }

  /** All workers' metrics in one exposition. */
  async metrics(): Promise<string> {
    const others = await this.others(OWN_METRICS);
    const answered = others.filter((o) => o.body !== undefined);
    return mergeMetrics(await this.own.metrics(), answered.map((o) => o.body!), [this.role.index, ...answered.map((o) => o.worker)].sort((a, b) => a - b));
  }

  /** The other workers' own health reports (this one checks itself where it answers). */
  async othersHealth(): Promise<PeerReport[]> {
    return (await this.others(OWN_HEALTH)).map((o) => (o.body !== undefined
      ? { worker: o.worker, status: "ok", report: JSON.parse(o.body) as WorkerHealth }
      : { worker: o.worker, status: "unreachable", error: o.error! }));
  }

  /** Each worker's own health report, this one's included. */
  async health(): Promise<PeerReport[]> {
    const [mine, others] = await Promise.all([this.own.health(), this.othersHealth()]);
    return [{ worker: this.role.index, status: "ok" as const, report: mine }, ...others].sort((a, b) => a.worker - b.worker);
  }

  /** Every answering worker's chart history, this one's first. */
  async histories(): Promise<unknown[]> {
    const others = await this.others(OWN_HISTORY);
    return [this.own.history(), ...others.filter((o) => o.body !== undefined).map((o) => JSON.parse(o.body!) as unknown)];
  }

  /**
   * The report of another worker that delivers events now (its queue is the one with state); undefined
   * when none of the others does (this one does, or the one that did is being started again).
   */
  async deliverer(): Promise<WorkerHealth | undefined> {
    for (const p of await this.othersHealth()) if (p.status === "ok" && p.report.delivers) return p.report;
    return undefined;
  }
}

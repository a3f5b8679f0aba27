// Operations endpoints beside the S3 API, in the shapes the BleepStore family shares (SPEC §12):
// /healthz (the process answers), /readyz (metadata and storage answer, else 503), /health (each
// component's state and latency) and /metrics (Prometheus).
// Their paths are reserved bucket names (see core/names.ts), so they never shadow a bucket.
import { Elysia } from "elysia";
import type { Engine } from "../core/engine.ts";
import type { DocumentedRoute } from "./docs.ts";
import type { S3Metrics } from "./s3-metrics.ts";
import { queueHealth, type QueueRuntime } from "../queue/delivery.ts";
import type { PeerReport, WorkerHealth } from "../workers/peers.ts";

const CHECK_TIMEOUT_MS = 2000;

/** One component's check, in the family's /health shape (SPEC §12). */
export interface ComponentHealth {
  status: "ok" | "error";
  error?: string;
  latency_ms: number;
}

async function probe(check: () => Promise<void>): Promise<ComponentHealth> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ]);
    return { status: "ok", latency_ms: elapsed() };
  } catch (err) {
    return { status: "error", error: (err as Error).message, latency_ms: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** Really probes both: a metadata query and the directories (or bucket) writes use. */
export async function componentHealth(engine: Engine): Promise<{ metadata: ComponentHealth; storage: ComponentHealth }> {
  const [metadata, storage] = await Promise.all([probe(() => engine.metadata.ping()), probe(() => engine.storage.ping())]);
  return { metadata, storage };
}

/** This worker's own state, for its peers. */
export async function workerHealth(engine: Engine, jobs: { heldJobs(): string[] }, queue?: QueueRuntime): Promise<WorkerHealth> {
  const c = await componentHealth(engine);
  return {
    pid: process.pid, status: c.metadata.status === "ok" && c.storage.status === "ok" ? "ok" : "degraded",
    delivers: jobs.heldJobs().includes("events"), ...(queue ? { queue: queueHealth(queue), lanes: queue.delivery.stats() } : {}),
  };
}

export interface OpsOptions {
  engine: Engine;
  metrics: S3Metrics;
  version: string;
  healthChecks: boolean;
  exposeMetrics: boolean;
  /** Serve /openapi.json and /docs; the docs module is imported on the first request to either. */
  apiDocs: boolean;
  /** The app's routes, the lazily built groups among them (the admin and ops routes are documented from them). */
  routes: () => Promise<DocumentedRoute[]>;
  /** The queue layer, when configured: /health shows it, and in sync mode /readyz waits for it. */
  queue?: QueueRuntime;
  /** Worker processes (server.workers): /metrics and /health answer for all of them. */
  workers?: { metrics(): Promise<string>; othersHealth(): Promise<PeerReport[]> };
}

export function opsRoutes(o: OpsOptions) {
  const app = new Elysia({ name: "ops" });
  // These answers count in the family's HTTP series too, under their own paths.
  const timed = (path: string, answer: (c: { request: Request }) => Response | Promise<Response>) => async ({ request }: { request: Request }) => {
    const started = performance.now();
    const res = await answer({ request });
    o.metrics.http(request.method, path, res.status, (performance.now() - started) / 1000, Number(res.headers.get("content-length") ?? 0));
    return res;
  };
  // The family's shapes (SPEC §12): empty bodies for the probes, {status, checks} for /health.
  if (o.healthChecks) {
    app
      .get("/healthz", timed("/healthz", () => new Response(null, { status: 200 })), {
        detail: { tags: ["operations"], summary: "Liveness: 200 while the process runs (empty body)" },
      })
      .get("/readyz", timed("/readyz", async () => {
        const c = await componentHealth(o.engine);
        // In sync mode a write cannot succeed without the broker: not ready while it is down.
        const queueOk = o.queue?.consistency !== "sync" || o.queue.delivery.healthy();
        return new Response(null, { status: c.metadata.status === "ok" && c.storage.status === "ok" && queueOk ? 200 : 503 });
      }), { detail: { tags: ["operations"], summary: "Readiness: 200 when metadata and storage answer, else 503 (empty body)" } })
      .get("/health", timed("/health", async () => {
        const [checks, peers] = await Promise.all([componentHealth(o.engine), o.workers?.othersHealth()]);
        // The queue as the worker that delivers events sees it (the others hold none of it): another's, or this one's.
        const deliverer = peers?.find((p) => p.status === "ok" && p.report.delivers);
        const delivering = deliverer?.status === "ok" ? deliverer.report.queue : undefined;
        const queue = o.queue ? { queue: delivering ?? queueHealth(o.queue) } : {};
        // Each worker process checks the engines itself; the family's shape stays (the list of workers is
        // the admin API's). One that does not answer (being started again) degrades nothing: the others serve.
        const workerDegraded = (peers ?? []).some((p) => p.status === "ok" && p.report.status === "degraded");
        // A broker that is down degrades the node only where writes need it (sync mode).
        const ok = checks.metadata.status === "ok" && checks.storage.status === "ok"
          && (o.queue?.consistency !== "sync" || o.queue.delivery.healthy()) && !workerDegraded;
        return Response.json({ status: ok ? "ok" : "degraded", checks, ...queue }, { status: ok ? 200 : 503 });
      }), { detail: { tags: ["operations"], summary: "Each component's state and latency, as JSON" } });
  } else {
    // Switched off: the probes are gone and /health says only that the process answers.
    app.get("/health", timed("/health", () => Response.json({ status: "ok" })), { detail: { tags: ["operations"], summary: "Static status (health checks off)" } });
  }
  if (o.exposeMetrics) {
    // Not timed: a scrape is not counted in the series it reads (SPEC §12).
    app.get("/metrics", async () => new Response(await (o.workers ? o.workers.metrics() : o.metrics.render()), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    }), { detail: { tags: ["operations"], summary: "Prometheus metrics" } });
  }
  if (o.apiDocs) {
    const docs = () => import("./docs.ts");
    app
      .get("/openapi.json", timed("/openapi.json", async ({ request }) =>
        (await docs()).openApiResponse(o.version, new URL(request.url).origin, await o.routes())), {
        detail: { tags: ["operations"], summary: "This document (OpenAPI 3)" },
      })
      .get("/docs", timed("/docs", async ({ request }) => (await docs()).docsPage(o.version, new URL(request.url).origin, await o.routes())), {
        detail: { tags: ["operations"], summary: "Swagger UI" },
      })
      .get("/docs/:asset", timed("/docs/{asset}", async ({ request }) =>
        (await docs()).docsAsset(new URL(request.url).pathname.slice("/docs/".length))), { detail: { hide: true } });
  }
  return app;
}

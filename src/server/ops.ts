// Operations endpoints beside the S3 API: /healthz (the process answers), /readyz (metadata and
// storage answer, else 503), /health (each component's state and latency) and /metrics (Prometheus).
// Their paths are reserved bucket names (see core/names.ts), so they never shadow a bucket.
import { Elysia } from "elysia";
import type { Engine } from "../core/engine.ts";
import type { S3Metrics } from "./s3-metrics.ts";

const CHECK_TIMEOUT_MS = 2000;

export interface ComponentHealth {
  status: "ok" | "failing";
  latencyMs: number;
  error?: string;
}

async function probe(check: () => Promise<void>): Promise<ComponentHealth> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ]);
    return { status: "ok", latencyMs: +(performance.now() - started).toFixed(2) };
  } catch (err) {
    return { status: "failing", latencyMs: +(performance.now() - started).toFixed(2), error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function componentHealth(engine: Engine) {
  const [metadata, storage] = await Promise.all([probe(() => engine.metadata.ping()), probe(() => engine.storage.ping())]);
  return {
    metadata: { engine: engine.metadata.engine, ...metadata },
    storage: { backend: engine.storage.name, ...storage },
  };
}

export interface OpsOptions {
  engine: Engine;
  metrics: S3Metrics;
  version: string;
  healthChecks: boolean;
  exposeMetrics: boolean;
}

export function opsRoutes(o: OpsOptions) {
  const app = new Elysia({ name: "ops" });
  if (o.healthChecks) {
    app
      .get("/healthz", () => new Response("ok\n", { headers: { "content-type": "text/plain" } }), {
        detail: { tags: ["operations"], summary: "Liveness: 200 while the process runs" },
      })
      .get("/readyz", async () => {
        const c = await componentHealth(o.engine);
        const ready = c.metadata.status === "ok" && c.storage.status === "ok";
        return new Response(ready ? "ready\n" : "not ready\n", { status: ready ? 200 : 503, headers: { "content-type": "text/plain" } });
      }, { detail: { tags: ["operations"], summary: "Readiness: 200 when metadata and storage answer, else 503" } })
      .get("/health", async () => {
        const components = await componentHealth(o.engine);
        const ok = components.metadata.status === "ok" && components.storage.status === "ok";
        return Response.json({ status: ok ? "ok" : "failing", version: o.version, uptimeSeconds: Math.round(process.uptime()), components }, { status: ok ? 200 : 503 });
      }, { detail: { tags: ["operations"], summary: "Each component's state and latency, as JSON" } });
  }
  if (o.exposeMetrics) {
    app.get("/metrics", async () => new Response(await o.metrics.render(), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    }), { detail: { tags: ["operations"], summary: "Prometheus metrics" } });
  }
  return app;
}

// The admin API under /_bleepstore/admin (an underscore makes it no valid bucket name), guarded by
// the bearer token in admin.token; with no token configured it answers 404. Key pairs, metadata
// export/import, storage reconciliation, a lifecycle pass on demand, the key manager (admin-kms.ts).
import { Elysia, t } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { exportMetadata, importMetadata } from "../core/export.ts";
import { parseTables, renderExport } from "../core/export-format.ts";
import type { Engine } from "../core/engine.ts";
import { S3Error } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { QueueState } from "../queue/delivery.ts";
import type { PeerReport } from "../workers/peers.ts";
import { eventsPage, notificationTargets } from "./admin-events.ts";
import { kmsRoutes } from "./admin-kms.ts";
import { publicView } from "./key-view.ts";
import { ADMIN_PREFIX } from "./prefixes.ts";

/** Data written in the last minute may belong to a request still committing it. */
const RECONCILE_GRACE_MS = 60_000;

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7).trim() : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}


const json = (body: unknown, status = 200) => Response.json(body, { status });

/** `queue`: the queue's state as the process that delivers events sees it (worker processes: the one that does). */
export function adminRoutes(
  engine: Engine, token: string, log: Logger, source: string, queue?: () => Promise<QueueState>, cluster?: { status(): Promise<unknown> },
  workers?: { health(): Promise<PeerReport[]> },
) {
  return new Elysia({ name: "admin", prefix: ADMIN_PREFIX, detail: { tags: ["admin"], security: [{ bearer: [] }] } })
    .onBeforeHandle(({ request }) => {
      if (!token) return json({ error: "The admin API is disabled: set admin.token to enable it." }, 404);
      if (!bearerMatches(request.headers.get("authorization"), token)) return json({ error: "A valid bearer token is required." }, 401);
    })
    .onError(({ error }) => {
      if (error instanceof S3Error && error.status < 500) return json({ error: error.message, code: error.code }, error.status);
    })
    .get("/credentials", async () => (await engine.credentials.list()).map(publicView), {
      detail: { summary: "List access keys (secrets are never shown again)" },
    })
    .post("/credentials", async ({ body }) => {
      const c = await engine.credentials.create(body ?? {});
      log.info("credential created", { accessKey: c.accessKey });
      return json({ ...publicView(c), secretKey: c.secretKey }, 201);
    }, {
      body: t.Optional(t.Object({
        accessKey: t.Optional(t.String()), secretKey: t.Optional(t.String()), displayName: t.Optional(t.String()), policy: t.Optional(t.String()),
      })),
      detail: { summary: "Create an access key (generated unless given); the response is the only time the secret is shown" },
    })
    .delete("/credentials/:accessKey", async ({ params }) => {
      if (!(await engine.credentials.revoke(params.accessKey))) return json({ error: "No such access key." }, 404);
      log.info("credential revoked", { accessKey: params.accessKey });
      return new Response(null, { status: 204 });
    }, { detail: { summary: "Revoke an access key; its buckets stay, owned by the revoked key" } })
    .post("/credentials/:accessKey/disable", async ({ params }) => {
      if (!(await engine.credentials.setDisabled(params.accessKey, true))) return json({ error: "No such access key." }, 404);
      log.info("credential disabled", { accessKey: params.accessKey });
      return new Response(null, { status: 204 });
    }, { detail: { summary: "Disable an access key: kept and listed, it authenticates nothing until enabled" } })
    .post("/credentials/:accessKey/enable", async ({ params }) => {
      if (!(await engine.credentials.setDisabled(params.accessKey, false))) return json({ error: "No such access key." }, 404);
      log.info("credential enabled", { accessKey: params.accessKey });
      return new Response(null, { status: 204 });
    }, { detail: { summary: "Enable a disabled access key again" } })
    .get("/credentials/:accessKey/policy", async ({ params }) => {
      const c = (await engine.credentials.list()).find((x) => x.accessKey === params.accessKey);
      if (!c) return json({ error: "No such access key." }, 404);
      return { accessKey: c.accessKey, policy: c.policy ?? null };
    }, { detail: { summary: "A key's own policy (a built-in name or policy JSON; null: not limited)" } })
    .put("/credentials/:accessKey/policy", async ({ params, body }) => {
      if (!(await engine.credentials.setPolicy(params.accessKey, body.policy))) return json({ error: "No such access key." }, 404);
      log.info("credential policy set", { accessKey: params.accessKey });
      return new Response(null, { status: 204 });
    }, {
      body: t.Object({ policy: t.String() }),
      detail: { summary: "Limit a key with a policy: readonly, writeonly, readwrite, consoleAdmin, or policy JSON (MalformedPolicy when invalid)" },
    })
    .delete("/credentials/:accessKey/policy", async ({ params }) => {
      if (!(await engine.credentials.setPolicy(params.accessKey, null))) return json({ error: "No such access key." }, 404);
      return new Response(null, { status: 204 });
    }, { detail: { summary: "Remove a key's own policy (the key is no longer limited)" } })
    .get("/metadata", async ({ query }) => {
      const tables = query.tables ? parseTables(query.tables) : undefined;
      const doc = await exportMetadata(engine.metadata, {
        source, includeCredentials: query.include_credentials === "true", includeEvents: query.include_events === "true", ...(tables ? { tables } : {}),
      });
      return new Response(renderExport(doc), { headers: { "content-type": "application/json" } });
    }, {
      query: t.Object({ tables: t.Optional(t.String()), include_credentials: t.Optional(t.String()), include_events: t.Optional(t.String()) }),
      detail: { summary: "Export metadata in the family's JSON format (SPEC §12); secrets only with include_credentials=true, undelivered events with include_events=true" },
    })
    .post("/metadata", async ({ body, query }) => {
      const warnings: string[] = [];
      const counts = await importMetadata(engine.metadata, body, query.mode === "replace" ? "replace" : "merge", (m) => warnings.push(m));
      engine.forgetCaches();
      for (const w of warnings) log.warn("import skipped a record", { reason: w });
      return { ...counts, warnings };
    }, {
      body: t.Object({}, { additionalProperties: true }),
      query: t.Object({ mode: t.Optional(t.Union([t.Literal("merge"), t.Literal("replace")])) }),
      detail: { summary: "Import a family export (mode=merge, the default, or replace); object bytes must already be in the storage backend" },
    })
    .get("/status", async () => {
      const stats = await engine.metadata.bucketStats();
      return {
        version: source, uptime_seconds: Math.round(process.uptime()), metadata: engine.metadata.engine, storage: engine.storage.name,
        buckets: (await engine.metadata.listBuckets()).length, objects: stats.reduce((n, s) => n + s.objects, 0),
        bytes: stats.reduce((n, s) => n + s.bytes, 0), multipart_uploads: await engine.metadata.openUploadCount(),
        credentials: (await engine.credentials.list()).length,
      };
    }, { detail: { summary: "The server's version, uptime, engines and what it holds" } })
    .post("/reconcile", async () => ({ orphansRemoved: await engine.reconcile(Date.now() - RECONCILE_GRACE_MS) }), {
      detail: { summary: "Remove stored data no metadata refers to (older than one minute)" },
    })
    .post("/lifecycle/run", async ({ query }) => {
      if (query.bucket !== undefined) await engine.buckets.get(query.bucket);
      return engine.lifecycle.run({ ...(query.bucket !== undefined ? { bucket: query.bucket } : {}), dryRun: query.dry_run === "true" || query.dry_run === "1" });
    }, {
      query: t.Object({ bucket: t.Optional(t.String()), dry_run: t.Optional(t.String()) }),
      detail: { summary: "One lifecycle pass now (over one bucket if named); with dry_run, what it would delete and abort, changing nothing" },
    })
    .get("/events", ({ query }) => eventsPage(engine, query), {
      query: t.Object({ after: t.Optional(t.String()), limit: t.Optional(t.String()), wait_ms: t.Optional(t.String()) }),
      detail: { summary: "Events in commit order after position `after` (-1: from now), delivered or not; waits up to wait_ms (≤ 30 s) for one" },
    })
    .get("/cluster", async () => (cluster ? cluster.status() : json({ error: "This node is not in a cluster (cluster.enabled is false)." }, 404)), {
      detail: { summary: "The cluster's nodes (version, last heartbeat), which node runs each background job, and etcd's members and leader" },
    })
    .get("/workers", async () => (workers
      ? (await workers.health()).map((p) => (p.status === "ok"
        ? { worker: p.worker, status: p.report.status, pid: p.report.pid, delivers_events: p.report.delivers }
        : { worker: p.worker, status: p.status, error: p.error }))
      : json({ error: "This server runs as one process (server.workers: 1, or engines that belong to one process)." }, 404)), {
      detail: { summary: "The worker processes (server.workers): each one's pid, its engines' state, and which one delivers events" },
    })
    .get("/notifications/targets", async () => notificationTargets(engine, (await queue?.())?.lanes ?? [], engine.region), {
      detail: { summary: "The notification targets (notifications.targets) with the ARN a bucket configuration names each by" },
    })
    .use(kmsRoutes(engine, log));
}

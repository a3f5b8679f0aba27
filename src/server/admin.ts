// The admin API under /_bleepstore/admin (an underscore makes it no valid bucket name), guarded by
// the bearer token in admin.token; with no token configured it answers 404. Key pairs, metadata
// export/import, and storage reconciliation.
import { Elysia, t } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { exportMetadata, importMetadata } from "../core/export.ts";
import type { Engine } from "../core/engine.ts";
import { S3Error } from "../errors.ts";
import type { Logger } from "../log.ts";

export const ADMIN_PREFIX = "/_bleepstore/admin";
/** Data written in the last minute may belong to a request still committing it. */
const RECONCILE_GRACE_MS = 60_000;

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(header?.startsWith("Bearer ") ? header.slice(7).trim() : "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const publicView = (c: { accessKey: string; owner: { id: string; displayName: string }; createdAt: number }) => ({
  accessKey: c.accessKey, ownerId: c.owner.id, displayName: c.owner.displayName, createdAt: new Date(c.createdAt).toISOString(),
});

const json = (body: unknown, status = 200) => Response.json(body, { status });

export function adminRoutes(engine: Engine, token: string, log: Logger) {
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
        accessKey: t.Optional(t.String()), secretKey: t.Optional(t.String()), displayName: t.Optional(t.String()),
      })),
      detail: { summary: "Create an access key (generated unless given); the response is the only time the secret is shown" },
    })
    .delete("/credentials/:accessKey", async ({ params }) => {
      if (!(await engine.credentials.revoke(params.accessKey))) return json({ error: "No such access key." }, 404);
      log.info("credential revoked", { accessKey: params.accessKey });
      return new Response(null, { status: 204 });
    }, { detail: { summary: "Revoke an access key; its buckets stay, owned by the revoked key" } })
    .get("/metadata", () => exportMetadata(engine.metadata), {
      detail: { summary: "Export all metadata (credentials with secrets, buckets, objects, uploads, parts) as JSON" },
    })
    .post("/metadata", async ({ body }) => {
      const counts = await importMetadata(engine.metadata, body);
      engine.forgetCaches();
      return counts;
    }, {
      body: t.Object({ format: t.String(), version: t.Number() }, { additionalProperties: true }),
      detail: { summary: "Import a metadata export (object bytes must already be in the storage backend)" },
    })
    .post("/reconcile", async () => ({ orphansRemoved: await engine.reconcile(Date.now() - RECONCILE_GRACE_MS) }), {
      detail: { summary: "Remove stored data no metadata refers to (older than one minute)" },
    });
}

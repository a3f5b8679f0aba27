// The key manager over the admin API (what `bleepstore kms` calls): keys listed, created, described,
// enabled, disabled, rotated, scheduled for deletion and restored. A key is named by its id, ARN or
// alias (URL-encoded in the path: alias%2Fname). Key material is never part of an answer.
import { Elysia, t } from "elysia";
import type { Engine } from "../core/engine.ts";
import type { Logger } from "../log.ts";

export function kmsRoutes(engine: Engine, log: Logger) {
  const changed = (what: string) => (info: { keyId: string; state: string }) => {
    log.info(`kms key ${what}`, { keyId: info.keyId, state: info.state });
    return info;
  };
  return new Elysia({ name: "admin-kms" })
    .get("/kms/keys", () => engine.kms.list(), { detail: { summary: "List the key manager's keys (SSE-KMS), with their aliases and state" } })
    .post("/kms/keys", async ({ body }) => Response.json(changed("created")(await engine.kms.create(body ?? {})), { status: 201 }), {
      body: t.Optional(t.Object({ description: t.Optional(t.String()), alias: t.Optional(t.String()) })),
      detail: { summary: "Create a key (its material is generated here and never leaves the server in clear)" },
    })
    .get("/kms/keys/:ref", ({ params }) => engine.kms.describe(params.ref), { detail: { summary: "Describe a key (id, ARN or alias)" } })
    .post("/kms/keys/:ref/enable", async ({ params }) => changed("enabled")(await engine.kms.enable(params.ref)), { detail: { summary: "Enable a key" } })
    .post("/kms/keys/:ref/disable", async ({ params }) => changed("disabled")(await engine.kms.disable(params.ref)), {
      detail: { summary: "Disable a key: objects under it can be neither written nor read until it is enabled" },
    })
    .post("/kms/keys/:ref/rotate", async ({ params }) => changed("rotated")(await engine.kms.rotate(params.ref)), {
      detail: { summary: "Rotate a key: a new version encrypts from now on; older ones still decrypt" },
    })
    .post("/kms/keys/:ref/schedule-deletion", async ({ params, body }) => changed("scheduled for deletion")(await engine.kms.scheduleDeletion(params.ref, body?.days ?? 30)), {
      body: t.Optional(t.Object({ days: t.Optional(t.Number()) })),
      detail: { summary: "Schedule a key's deletion in 7 to 30 days (default 30); unusable from now on" },
    })
    .post("/kms/keys/:ref/cancel-deletion", async ({ params }) => changed("deletion cancelled")(await engine.kms.cancelDeletion(params.ref)), {
      detail: { summary: "Cancel a scheduled deletion; the key comes back disabled" },
    });
}

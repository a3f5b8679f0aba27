// The console's access keys: list, create (with a policy; the secret is in that one answer), disable,
// enable and delete. Only for a session whose key is not limited by a policy of its own, or is limited
// by consoleAdmin (the keys an operator holds); a key cannot disable or delete itself from its session.
import type { Engine } from "../../core/engine.ts";
import { S3Error } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { publicView } from "../key-view.ts";
import { json, jsonFields, refused } from "./json-body.ts";
import type { Session } from "./session.ts";


/** Whether the session's key is an operator's: enabled, and unlimited or limited by consoleAdmin. */
export async function isOperator(engine: Engine, session: Session): Promise<boolean> {
  const me = await engine.credential(session.accessKey);
  return me !== null && (me.policy === undefined || me.policy === "consoleAdmin");
}

/** Answers /api/keys and /api/keys/KEY[/disable|/enable] for a signed-in session (`rest`: the path after /api/keys). */
export async function keysApi(engine: Engine, log: Logger, session: Session, request: Request, rest: string): Promise<Response> {
  if (!(await isOperator(engine, session))) return refused(403, "Managing access keys needs a key without a policy of its own, or with consoleAdmin.");
  const [target, action, ...extra] = rest.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (!target && request.method === "GET") return json((await engine.credentials.list()).map(publicView));
    if (!target && request.method === "POST") {
      const body = await jsonFields(request, ["displayName", "policy"] as const);
      if (body instanceof Response) return body;
      const { displayName, policy } = body;
      if ((displayName !== undefined && typeof displayName !== "string") || (policy !== undefined && typeof policy !== "string")) {
        return refused(400, "displayName and policy are text.");
      }
      const created = await engine.credentials.create({ ...(displayName ? { displayName } : {}), ...(policy ? { policy } : {}) });
      log.info("credential created", { accessKey: created.accessKey, by: session.accessKey });
      return json({ ...publicView(created), secretKey: created.secretKey }, 201);
    }
    if (target && extra.length === 0) {
      if (target === session.accessKey && (request.method === "DELETE" || action === "disable")) {
        return refused(400, "The key you are signed in with cannot be disabled or deleted from its own session.");
      }
      let found = false;
      if (request.method === "DELETE" && action === undefined) found = await engine.credentials.revoke(target);
      else if (request.method === "POST" && (action === "disable" || action === "enable")) found = await engine.credentials.setDisabled(target, action === "disable");
      else return refused(405, "Not a call of the keys API.");
      if (!found) return refused(404, "No such access key.");
      log.info(request.method === "DELETE" ? "credential revoked" : `credential ${action}d`, { accessKey: target, by: session.accessKey });
      return new Response(null, { status: 204 });
    }
    return refused(405, "Not a call of the keys API.");
  } catch (err) {
    if (err instanceof S3Error && err.status < 500) return refused(err.status, err.message);
    throw err;
  }
}

// The web console's HTTP side under /_bleepstore/console: the page, the session API (sign in with an
// access key and its secret, who is signed in, sign out) and /s3/… — the S3 API itself, as the
// signed-in key: a request there goes through the same routing, access decision (ACLs, policies, the
// key's own policy, Object Lock) and handlers as a signed one. State-changing calls need the session's
// CSRF token (header x-bleepstore-csrf) and, when a browser names it, this server's own origin.
import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import type { Engine } from "../../core/engine.ts";
import type { Logger } from "../../log.ts";
import type { AuthResult } from "../auth/authenticate.ts";
import { peerAddress, recordPeer } from "../peer.ts";
import { CONSOLE_PREFIX } from "../prefixes.ts";
import { json, jsonFields, refused } from "./json-body.ts";
import { keysApi } from "./keys.ts";
import { eventTail, serverPage, type ServerView } from "./server-api.ts";
import { MAX_EXPIRY_SECONDS, presignedGet } from "./share.ts";
import { COOKIE, type ConsoleSessions, type Session, type SignInGate } from "./session.ts";

/** The page and its script, loaded at the first request for either. */
const assets = () => import("./assets.ts");
const SAFE = new Set(["GET", "HEAD"]);


function cookieOf(request: Request): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return value.join("=");
  }
  return undefined;
}

/** A browser's Origin, when it sends one, must be this server's (the Host it was asked by). */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  try {
    return new URL(origin).host === request.headers.get("host");
  } catch {
    return false;
  }
}

export interface ConsoleOptions {
  engine: Engine;
  log: Logger;
  sessions: ConsoleSessions;
  limiter: SignInGate;
  /** What the server page and the event tail show. */
  server: ServerView;
  /** Runs an S3 request as an already authenticated key (app.ts handleS3). */
  s3: (request: Request, auth: AuthResult) => Promise<Response>;
}

export function consoleRoutes(o: ConsoleOptions) {
  const secure = (request: Request) => request.url.startsWith("https:");
  const cookie = (request: Request, value: string, maxAgeSeconds: number) =>
    `${COOKIE}=${value}; Path=${CONSOLE_PREFIX}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure(request) ? "; Secure" : ""}`;
  /** The signed-in session, checked for CSRF and origin when the call changes something; or the refusal. */
  const signedIn = async (request: Request): Promise<Session | Response> => {
    const session = await o.sessions.verify(cookieOf(request));
    if (!session) return refused(401, "Not signed in, or the session ended.");
    if (!SAFE.has(request.method)) {
      if (!sameOrigin(request)) return refused(403, "A request from another origin is refused.");
      if (!o.sessions.csrfMatches(session, request.headers.get("x-bleepstore-csrf"))) return refused(403, "The CSRF token is missing or wrong.");
    }
    // The key may have been revoked since the session began.
    if (!(await o.engine.credential(session.accessKey))) return refused(401, "The access key of this session no longer exists.");
    return session;
  };
  /** An S3 request (path and query of the S3 API) run as the session's key, with the request's headers and body. */
  const asKey = async (session: Session, request: Request, method: string, path: string, search: string): Promise<Response> => {
    const credential = (await o.engine.credential(session.accessKey))!;
    const headers = new Headers(request.headers);
    for (const name of ["cookie", "authorization", "x-bleepstore-csrf"]) headers.delete(name);
    const forwarded = new Request(`${new URL(request.url).origin}${path}${search}`, {
      method, headers, ...(SAFE.has(method) ? {} : { body: request.body, duplex: "half" } as RequestInit),
    });
    recordPeer(forwarded, peerAddress(request));
    const res = await o.s3(forwarded, { requester: credential.owner, accessKey: credential.accessKey, payload: { kind: "unsigned" } });
    // An object opened from the console's origin (an HTML or SVG someone uploaded) must not run script
    // there: rendered as a document it is sandboxed, and its type is never sniffed.
    const wrapped = new Response(res.body, res);
    wrapped.headers.set("content-security-policy", "sandbox");
    wrapped.headers.set("x-content-type-options", "nosniff");
    return wrapped;
  };
  const keys = async ({ request }: { request: Request }) => {
    const session = await signedIn(request);
    if (session instanceof Response) return session;
    return keysApi(o.engine, o.log, session, request, new URL(request.url).pathname.slice(`${CONSOLE_PREFIX}/api/keys`.length));
  };
  const view = (s: Session) => ({ accessKey: s.accessKey, csrf: s.csrf, expires: new Date(s.expires).toISOString() });

  return new Elysia({ name: "console", prefix: CONSOLE_PREFIX, detail: { tags: ["console"] } })
    .get("/", async () => new Response((await assets()).CONSOLE_PAGE, {
      headers: {
        "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-frame-options": "DENY",
        "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; frame-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'",
      },
    }), { detail: { summary: "The web console" } })
    .get("/app.js", async () => new Response((await assets()).CONSOLE_SCRIPT, {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" },
    }), { detail: { summary: "The web console's script" } })
    .post("/api/session", async ({ request }) => {
      if (!sameOrigin(request)) return refused(403, "A request from another origin is refused.");
      const address = peerAddress(request) ?? "";
      if (o.limiter.blocked(address)) return refused(429, "Too many failed sign-ins from this address; wait a minute.");
      const body = await jsonFields(request, ["accessKey", "secretKey"] as const);
      if (body instanceof Response) return body;
      const { accessKey, secretKey } = body;
      if (typeof accessKey !== "string" || typeof secretKey !== "string") return refused(400, "accessKey and secretKey are required.");
      const credential = await o.engine.credential(accessKey);
      const given = Buffer.from(secretKey);
      const known = Buffer.from(credential?.secretKey ?? "");
      if (!credential || given.length !== known.length || !timingSafeEqual(given, known)) {
        o.limiter.failed(address);
        o.log.warn("console sign-in refused", { accessKey, address });
        return refused(401, "The access key or secret is wrong.");
      }
      o.limiter.succeeded(address);
      const { session, token } = o.sessions.issue(accessKey);
      o.log.info("console sign-in", { accessKey, address });
      return json(view(session), 200, { "set-cookie": cookie(request, token, Math.floor(o.sessions.ttlMs / 1000)) });
    }, { parse: "none", detail: { summary: "Sign in with an access key and its secret (JSON); sets the session cookie" } })
    .get("/api/session", async ({ request }) => {
      const session = await signedIn(request);
      return session instanceof Response ? session : json(view(session));
    }, { detail: { summary: "Who is signed in, and the CSRF token of the session" } })
    .delete("/api/session", async ({ request }) => {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      await o.sessions.revoke(session);
      o.log.info("console sign-out", { accessKey: session.accessKey });
      return new Response(null, { status: 204, headers: { "set-cookie": cookie(request, "", 0) } });
    }, { detail: { summary: "Sign out: the session's cookie is refused from now on, on every node" } })
    .post("/api/share", async ({ request }) => {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      const body = await jsonFields(request, ["bucket", "key", "expiresSeconds"] as const);
      if (body instanceof Response) return body;
      const { bucket, key, expiresSeconds } = body;
      if (typeof bucket !== "string" || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || typeof key !== "string" || key === "") {
        return refused(400, "A bucket name and a key are required.");
      }
      if (typeof expiresSeconds !== "number" || !Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRY_SECONDS) {
        return refused(400, `expiresSeconds is a whole number from 1 to ${MAX_EXPIRY_SECONDS} (7 days).`);
      }
      const credential = (await o.engine.credential(session.accessKey))!;
      const host = request.headers.get("host") ?? new URL(request.url).host;
      const url = presignedGet({
        origin: `${secure(request) ? "https" : "http"}://${host}`, bucket, key, accessKey: credential.accessKey, secretKey: credential.secretKey,
        region: o.engine.region, expiresSeconds,
      });
      return json({ url, expires: new Date(Date.now() + expiresSeconds * 1000).toISOString() });
    }, { parse: "none", detail: { summary: "A share link: a presigned GET of one object, signed with the signed-in key" } })
    .get("/api/bucket-stats", async ({ request }) => {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      // Only for a key that may list its buckets (the same decision as ListBuckets through the door).
      const listed = await asKey(session, request, "GET", "/", "");
      if (listed.status !== 200) return listed;
      const owner = (await o.engine.credential(session.accessKey))!.owner;
      const mine = new Set((await o.engine.buckets.list(owner)).buckets.map((b) => b.name));
      const stats = (await o.engine.metadata.bucketStats()).filter((s) => mine.has(s.bucket));
      return json({ buckets: stats, approximate: o.engine.metadata.statsApproximate === true });
    }, { detail: { summary: "Objects and bytes of each bucket the signed-in key lists" } })
    .get("/api/server", async ({ request }) => {
      const session = await signedIn(request);
      return session instanceof Response ? session : serverPage(o.server, session);
    }, { detail: { summary: "This node's traffic over the last hour, health, cluster nodes, disk and configuration (no secrets) — for an operator's key" } })
    .get("/api/events", async ({ request }) => {
      const session = await signedIn(request);
      return session instanceof Response ? session : eventTail(o.server, session, new URL(request.url));
    }, { detail: { summary: "The committed changes after a position, long-polled (wait_ms), by bucket and key prefix — for an operator's key" } })
    .all("/api/keys", keys, { parse: "none", detail: { summary: "Access keys: list, or create one (the secret is shown in that answer only) — for an unlimited or consoleAdmin key" } })
    .all("/api/keys/*", keys, { parse: "none", detail: { summary: "An access key: DELETE it, or POST …/disable or …/enable" } })
    .all("/s3/*", async ({ request }) => {
      const session = await signedIn(request);
      if (session instanceof Response) return session;
      const url = new URL(request.url);
      return asKey(session, request, request.method, url.pathname.slice(`${CONSOLE_PREFIX}/s3`.length) || "/", url.search);
    }, { parse: "none", detail: { summary: "The S3 API as the signed-in key (what the console's pages call)" } });
}

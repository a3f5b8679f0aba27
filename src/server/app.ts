// The HTTP edge: an Elysia app whose catch-all route turns each request into one S3 operation,
// authenticates it, runs its handler and renders the result (XML, bytes or an S3 error) with the
// common S3 headers. The only place that sees a Request.
import { Elysia } from "elysia";
import type { Engine } from "../core/engine.ts";
import { notImplemented, S3Error, toS3Error } from "../errors.ts";
import type { Logger } from "../log.ts";
import { authenticate, type AuthResult } from "./auth/authenticate.ts";
import { lazyRoutes, mountLazy, type LazyRoutes } from "./lazy-routes.ts";
import { ADMIN_PREFIX, CONSOLE_PREFIX } from "./prefixes.ts";
import type { ConsoleSessions, SignInGate } from "./console/session.ts";
import { OPERATIONS } from "./operations/index.ts";
import { rawTarget } from "./node-listener.ts";
import { opsRoutes, workerHealth } from "./ops.ts";
import { signedBody } from "./auth/signed-body.ts";
import { addCorsHeaders } from "./cors.ts";
import { withRequest } from "../core/request-context.ts";
import { checkExpectedOwners, refuseUnprotected } from "./protection.ts";
import { parseCopySource } from "./copy-source.ts";
import { S3Metrics } from "./s3-metrics.ts";
import { WorkerPeers } from "../workers/peers.ts";
import { mergeHistories, type HistoryView } from "./metrics-history.ts";
import type { WorkerRole } from "../workers/worker.ts";
import { fromLoopback, peerAddress } from "./peer.ts";
import { hostBucket, resolve, type ResolvedRequest } from "./resolve.ts";
import type { BodySpool } from "./sized-body.ts";
import type { OperationHandler, S3Request, S3Response } from "./types.ts";
import { buildXml } from "./xml.ts";
import { queueHealth, type QueueRuntime, type QueueState } from "../queue/delivery.ts";
import { AsyncWrites } from "./async-writes.ts";
import { authorize } from "./authorize.ts";
import type { AccessLogSpool } from "../core/access-log-spool.ts";
import { accessLine } from "./access-log.ts";
import type { BucketRecord } from "../metadata/store.ts";

export interface AppOptions {
  engine: Engine;
  log: Logger;
  /** Where records of requests to buckets with access logging go, before their answers (core/access-log-spool.ts). */
  accessLog?: AccessLogSpool;
  /** Host suffix for virtual-hosted-style requests (bucket.DOMAIN). */
  domain: string;
  version?: string;
  metrics?: S3Metrics;
  /** Serve /healthz, /readyz and /health. */
  healthChecks?: boolean;
  /** Serve /metrics. */
  exposeMetrics?: boolean;
  /** Serve /openapi.json and /docs. */
  apiDocs?: boolean;
  /** Bearer token of the admin API; empty disables it. */
  adminToken?: string;
  /** Accept SSE-C keys over plain HTTP from any peer (testing only; S3 requires https). */
  sseCOverHttp?: boolean;
  /** Accept AWS Signature Version 2 (auth.signature_v2; on unless false). */
  signatureV2?: boolean;
  /**
   * Makes streamed bodies ones Bun.serve sends with a Content-Length (sized-body.ts); unset under
   * node:http, which sends a stream's length itself.
   */
  spool?: BodySpool;
  /** The queue layer, when configured (health, metrics, and the waits of sync mode). */
  queue?: QueueRuntime;
  /** One of several worker processes (server.workers): /metrics and /health answer for all of them; `jobs`: the background jobs it runs now. */
  worker?: { role: WorkerRole; jobs: { heldJobs(): string[] } };
  /** This node of a cluster (cluster.enabled): the admin API's /cluster, and its metrics. */
  cluster?: { id: string; status(): Promise<unknown>; heldJobs(): string[] };
  /** queue.consistency: async — PutObject and DeleteObject queued, answered at once. */
  asyncWrites?: AsyncWrites;
  /** The web console (console.enabled): its sessions and the limit on failed sign-ins. */
  console?: {
    sessions: ConsoleSessions; limiter: SignInGate; config?: unknown; dataDir?: string;
    /** Given: the console's routes are handed to it (served on console.port) instead of mounted here. */
    separate?: (routes: LazyRoutes) => void;
  };
}

// Request ids: a random per-process prefix and a counter — unique, and no random bytes per request.
const ID_PREFIX = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex").toUpperCase();
const HOST_ID = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64");
let requestCounter = 0;
const newRequestId = () => ID_PREFIX + (requestCounter++ % 0x100000000).toString(16).toUpperCase().padStart(8, "0");

/** Path and query exactly as the client sent them: no decoding, no dot-segment normalisation. */
export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const scheme = url.indexOf("://");
  const pathStart = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
  const rest = pathStart < 0 ? "/" : url.slice(pathStart);
  const q = rest.indexOf("?");
  return q < 0 ? { rawPath: rest, rawQuery: "" } : { rawPath: rest.slice(0, q), rawQuery: rest.slice(q + 1) };
}

async function* countingBody(body: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    add(chunk.length);
    yield chunk;
  }
}

/** The route template of a path that did not resolve: by its segments, never the names in it. */
const routeOf = (rawPath: string) => (rawPath.slice(1).includes("/") ? "/{bucket}/{key}" : "/{bucket}");

/** Adds the headers every S3 response carries (Bun.serve writes the Date header itself). */
function withCommonHeaders(headers: Record<string, string>, requestId: string): Record<string, string> {
  headers["x-amz-request-id"] = requestId;
  headers["x-amz-id-2"] = HOST_ID;
  headers.server = "BleepStore";
  return headers;
}

function render(res: S3Response, requestId: string, method: string): Response {
  // The handler's headers object is this response's own: the common headers join it in place.
  const headers = withCommonHeaders(res.headers ?? {}, requestId);
  const status = res.status ?? 200;
  if (res.xml) {
    headers["content-type"] = "application/xml";
    return new Response(method === "HEAD" ? null : buildXml(res.xml.root, res.xml.body), { status, headers });
  }
  const body = res.body;
  if (body === undefined || body === null || method === "HEAD") {
    if (!("content-length" in headers) && status !== 204 && status !== 304) headers["content-length"] = "0";
    return new Response(null, { status, headers });
  }
  if (typeof body === "string" || body instanceof Blob) {
    // Bun.serve names the storage file in a Content-Disposition of its own for a file-backed body;
    // "inline" (what a browser assumes with no header) keeps it from doing so.
    if (typeof body !== "string" && typeof (body as { name?: unknown }).name === "string" && !("content-disposition" in headers)) headers["content-disposition"] = "inline";
    return new Response(body, { status, headers });
  }
  headers["content-length"] = String(body.size);
  return new Response(body.stream, { status, headers });
}

function renderError(err: S3Error, requestId: string, resource: string, method: string): Response {
  const headers = withCommonHeaders({ ...err.headers }, requestId);
  if (method === "HEAD" || err.status === 304) return new Response(null, { status: err.status, headers });
  headers["content-type"] = "application/xml";
  const doc = buildXml(
    "Error",
    { Code: err.code, Message: err.message, ...err.detail, Resource: resource, RequestId: requestId, HostId: headers["x-amz-id-2"]! },
    false,
  );
  return new Response(doc, { status: err.status, headers });
}

const WRITES = new Set(["PUT", "POST", "DELETE"]);

/** sync mode: the answer waits for the broker's confirmation of the request's events. */
async function confirmed(options: AppOptions, queue: QueueRuntime, requestId: string): Promise<void> {
  try {
    await options.engine.events.settled(requestId, queue.syncTimeoutMs);
  } catch (err) {
    throw new S3Error("ServiceUnavailable", {
      message: `The change was committed, but the event queue did not confirm its events (${(err as Error).message}); they will be delivered when it is back.`,
    });
  }
}

/** One S3 request; `preAuth`: already authenticated (the console's signed-in key), not signed. */
export async function handleS3(request: Request, options: AppOptions, preAuth?: AuthResult): Promise<Response> {
  const started = performance.now();
  const startedAt = Date.now();
  options.metrics?.begin();
  const requestId = newRequestId();
  const method = request.method;
  const { rawPath, rawQuery } = splitUrl(rawTarget(request) ?? request.url);
  let resolved: ResolvedRequest | undefined;
  let response: Response;
  let failure: S3Error | undefined;
  let bytesOut = 0;
  // For the access log: who asked, and the bucket as the access decision read it.
  let requester = "";
  let logged: BucketRecord | undefined;
  let answered: Record<string, string> | undefined;
  // A body sent without Content-Length (chunked) is counted as it is read, for bytes-received.
  let received = 0;
  const counted = request.body !== null && !request.headers.has("content-length");
  try {
    const query = new URLSearchParams(rawQuery);
    resolved = resolve(method, rawPath, query, request.headers, options.domain);
    // A CORS preflight is never signed (a browser sends it before the real request, whose presigned
    // query it may carry): it is answered from the bucket's rules alone.
    const auth: AuthResult = preAuth ?? (resolved.operation === "PreflightCors"
      ? { requester: null, payload: { kind: "unsigned" } }
      : await authenticate(
        { method, rawPath, rawQuery, headers: request.headers, hostBucket: () => hostBucket(request.headers.get("host"), options.domain) },
        (ak) => options.engine.credential(ak), undefined, { signatureV2: options.signatureV2 !== false },
      ));
    requester = auth.requester?.id ?? "";
    refuseUnprotected(resolved.operation, request.headers, query);
    const target = resolved.params as { bucket?: string };
    if (request.headers.has("x-amz-expected-bucket-owner") || request.headers.has("x-amz-source-expected-bucket-owner")) {
      const copySource = request.headers.get("x-amz-copy-source");
      await checkExpectedOwners(target.bucket, request.headers, async (name) => (await options.engine.buckets.get(name)).owner.id,
        () => (copySource === null ? undefined : parseCopySource(copySource).bucket));
    }
    if (resolved.operation === "Unsupported") throw notImplemented(resolved.params.name);
    // TypeScript cannot pair the operation with its handler through a union; the table's type does.
    const handler = OPERATIONS[resolved.operation] as OperationHandler;
    let body: AsyncIterable<Uint8Array> | null = counted ? countingBody(request.body!, (n) => (received += n)) : request.body;
    if (auth.verifyBody) body = await signedBody(resolved.operation, body, auth.verifyBody);
    const req: S3Request = {
      operation: resolved.operation,
      params: resolved.params,
      method,
      query,
      headers: request.headers,
      body,
      auth,
      requester: auth.requester,
      engine: options.engine,
      requestId,
      keysAllowed: () => options.sseCOverHttp === true || request.url.startsWith("https:") || fromLoopback(request),
    };
    // The request's id, requester and peer reach the engine's events (and nothing else of the request
    // does). The peer's address costs a lookup: made only when an event or a policy condition asks.
    let peer: string | undefined;
    const sourceIp = () => (peer ??= peerAddress(request) ?? "");
    // The one access decision (bucket policy): a Deny stops here; an Allow grants the ACL checks.
    const secure = request.url.startsWith("https:");
    // A POST upload is signed inside its form: its handler makes the decision once it has read the fields.
    const decided = resolved.operation === "PreflightCors" || resolved.operation === "PostObject" ? undefined : await authorize(req, sourceIp, secure);
    logged = decided?.bucket;
    const info = {
      id: requestId, requester: auth.requester?.id ?? "", get sourceIp() {
        return sourceIp();
      }, secure,
      ...(decided?.granted.size ? { granted: decided.granted } : {}), ...(decided?.publicAccess ? { publicAccess: decided.publicAccess } : {}),
    };
    const sync = options.queue?.consistency === "sync" && WRITES.has(method) ? options.queue : undefined;
    // sync mode: with the broker down a write is refused before it changes anything.
    if (sync && !sync.delivery.healthy()) {
      throw new S3Error("SlowDown", { message: `The event queue is unavailable (${sync.delivery.lastError()}); nothing was changed. Retry later.` });
    }
    const queued = options.asyncWrites && AsyncWrites.queued(resolved.operation) ? options.asyncWrites : undefined;
    const result = await withRequest(info, () => (queued ? queued.submit(req) : handler(req)));
    if (sync) await confirmed(options, sync, requestId);
    const data = result.body;
    if (options.spool && method !== "HEAD" && data && typeof data === "object" && !(data instanceof Blob)) {
      result.body = await options.spool.sized(data.stream, data.size);
    }
    // Read before rendering: asking a Response for its headers makes Bun build a Headers object.
    if (method !== "HEAD") bytesOut = Number(result.headers?.["content-length"] ?? 0) || 0;
    answered = result.headers;
    response = render(result, requestId, method);
  } catch (err) {
    failure = toS3Error(err);
    let resource = rawPath;
    try {
      resource = decodeURIComponent(rawPath);
    } catch {
      // keep the raw path
    }
    response = renderError(failure, requestId, resource, method);
  }
  const params = resolved?.params as { bucket?: string; key?: string; name?: string } | undefined;
  // A browser's actual request: the bucket's CORS rules decide its Access-Control-* headers, errors too.
  const origin = request.headers.get("origin");
  if (origin !== null && params?.bucket !== undefined && resolved?.operation !== "PreflightCors") {
    const bucket = await options.engine.buckets.get(params.bucket).catch(() => undefined);
    addCorsHeaders(response, bucket?.cors, origin, method);
  }
  const seconds = (performance.now() - started) / 1000;
  const bytesIn = counted ? received : Number(request.headers.get("content-length") ?? 0) || 0;
  // Operations that stand for several AWS ones (Unsupported, the bucket settings) carry the AWS name.
  const operation = resolved === undefined ? "Unknown" : params?.name ?? resolved.operation;
  const path = params?.bucket === undefined ? (rawPath === "/" ? "/" : routeOf(rawPath)) : params.key === undefined ? "/{bucket}" : "/{bucket}/{key}";
  options.metrics?.end({
    method, path, operation, status: response.status, seconds, bytesIn, bytesOut, ...(failure ? { errorCode: failure.code } : {}),
  });
  // Server access logging: the record is in the spool before the answer goes out (refused requests too).
  if (options.accessLog && params?.bucket !== undefined && resolved?.operation !== "PreflightCors") {
    // Refused before the decision read it, or decided by its own handler (POST): looked up here.
    if (!logged && (failure || resolved?.operation === "PostObject")) logged = await options.engine.buckets.get(params.bucket).catch(() => undefined);
    if (logged?.logging) {
      options.accessLog.append(logged.logging, accessLine({
        started: startedAt, ms: seconds * 1000, request, method, rawPath, rawQuery, operation: resolved?.operation ?? "Unknown",
        bucketOwner: logged.owner.id, bucket: params.bucket, key: params.key, requester, requestId, remoteIp: peerAddress(request) ?? "",
        status: response.status, headers: answered, errorCode: failure?.code, bytesIn, bytesOut,
      }));
    }
  }
  const level = failure?.code === "InternalError" ? "error" : failure && failure.status >= 500 ? "warn" : "info";
  if (!options.log.enabled(level)) return response;
  const fields = {
    requestId,
    operation,
    method,
    bucket: params?.bucket,
    key: params?.key,
    status: response.status,
    error: failure?.code,
    bytesIn,
    bytesOut,
    ms: Math.round(seconds * 100_000) / 100,
  };
  if (level === "error") options.log.error("request failed", { ...fields, err: failure!.cause ?? failure });
  else options.log[level]("request", fields);
  return response;
}

/** The whole HTTP surface: ops endpoints, the admin API, API docs (when enabled), and S3 behind them. */
export async function createApp(options: AppOptions) {
  const metrics = options.metrics ?? new S3Metrics(options.engine, options.queue, options.cluster, options.console !== undefined);
  const s3 = { ...options, metrics };
  let workers: WorkerPeers | undefined;
  if (options.worker) {
    const { role, jobs } = options.worker;
    workers = new WorkerPeers(role, {
      metrics: () => metrics.render(), health: () => workerHealth(options.engine, jobs, options.queue), history: () => metrics.history?.view() ?? null,
    });
  }
  // The queue as the process that delivers events sees it: this one, or (worker processes) the one that does.
  const queue = options.queue;
  const queueState = queue ? async (): Promise<QueueState> => {
    const deliverer = await workers?.deliverer();
    return {
      health: (deliverer?.queue as QueueState["health"] | undefined) ?? queueHealth(queue),
      lanes: deliverer?.lanes ?? queue.delivery.stats(),
    };
  } : undefined;
  // The admin API and the console are imported and built at their first request (lazy-routes.ts).
  const lazy: LazyRoutes[] = [];
  let routes: () => Promise<unknown[]> = async () => [];
  const app = new Elysia()
    .use(opsRoutes({
      engine: options.engine, metrics, version: options.version ?? "dev",
      healthChecks: options.healthChecks ?? true, exposeMetrics: options.exposeMetrics ?? true,
      apiDocs: options.apiDocs ?? true, routes: () => routes() as never, ...(options.queue ? { queue: options.queue } : {}),
      ...(workers ? { workers } : {}),
    }));
  const version = `typescript/${options.version ?? "dev"}`;
  const admin = lazyRoutes(ADMIN_PREFIX, async () =>
    (await import("./admin.ts")).adminRoutes(options.engine, options.adminToken ?? "", options.log, version, queueState, options.cluster, workers));
  mountLazy(app, admin);
  lazy.push(admin);
  if (options.console) {
    const { sessions, limiter, config, dataDir, separate } = options.console;
    const server = {
      engine: options.engine, metrics, config: config ?? null, dataDir: dataDir ?? ".", version: options.version ?? "dev",
      ...(queueState ? { queue: queueState } : {}), ...(options.cluster ? { cluster: options.cluster } : {}),
      ...(workers ? { history: async () => mergeHistories((await workers!.histories()).filter((v): v is HistoryView => v !== null)) } : {}),
    };
    const group = lazyRoutes(CONSOLE_PREFIX, async () => (await import("./console/routes.ts")).consoleRoutes({
      engine: options.engine, log: options.log, sessions, limiter, server, s3: (request, auth) => handleS3(request, s3, auth),
    }));
    if (separate) separate(group);
    else {
      mountLazy(app, group);
      lazy.push(group);
    }
  }
  routes = async () => [...app.routes, ...(await Promise.all(lazy.map((g) => g.routes()))).flat()];
  const writes = options.asyncWrites;
  if (writes) {
    // The state of a queued write (async mode); the task id, random, is what lets one read it.
    app.get("/_bleepstore/tasks/:id", ({ params }) => {
      const status = writes.status(params.id);
      return status ? Response.json(status) : Response.json({ error: "No such task." }, { status: 404 });
    }, { detail: { tags: ["operations"], summary: "A queued write's state (queue.consistency: async): pending, done or failed" } });
  }
  const built = app
    .all("/*", ({ request }) => handleS3(request, s3), { parse: "none" })
    .onError(({ error, request }) => {
      // Errors of S3 requests are rendered by handleS3; this catches the rest (a malformed admin body...).
      if (error instanceof S3Error || (error as { status?: number }).status === undefined) {
        options.log.error("unhandled error", { err: error, path: new URL(request.url).pathname });
        return renderError(toS3Error(error), newRequestId(), "/", "GET");
      }
    });
  await workers?.serve((request) => built.fetch(request));
  return built;
}

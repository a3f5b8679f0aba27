// The node:http front (server.http_engine: node). Bun.serve resolves "." and ".." segments of the
// request target before any handler runs; node:http hands over the target exactly as sent, so keys
// like "a/../b" reach the S3 handler byte-exact. Each request becomes a Web Request for the same
// Elysia app (its raw target kept beside it), and the Response is written back with its headers,
// Content-Length included, streaming the body with backpressure.
import { recordPeer } from "./peer.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { IN_MEMORY_READ } from "../storage/backend.ts";

type Fetch = (request: Request) => Response | Promise<Response>;

const RAW_TARGETS = new WeakMap<Request, string>();

/** The request target as the client sent it, when the request came through node:http. */
export function rawTarget(request: Request): string | undefined {
  return RAW_TARGETS.get(request);
}

/**
 * The request body as a stream: one chunk buffered, the socket paused until the handler reads on.
 * `beforeFirstRead` (an `Expect: 100-continue` request's 100) runs when the handler first asks for
 * the body — after the request was authorised — and then nothing is read ahead of the handler.
 */
function bodyStream(req: IncomingMessage, beforeFirstRead?: () => void): { stream: ReadableStream<Uint8Array>; drain: () => Promise<void> } {
  let open = true;
  const finished = new Promise<void>((resolve) => {
    req.once("end", resolve).once("close", resolve).once("error", () => resolve());
  });
  /** Reads whatever the handler left unread, dropping it, until the body ends. */
  const drain = () => {
    open = false;
    req.resume();
    return finished;
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        if (!open) return;
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on("end", () => {
        if (open) controller.close();
        open = false;
      });
      req.on("close", () => {
        if (open) controller.error(new Error("the connection closed before the body was complete"));
        open = false;
      });
      req.on("error", (err) => {
        if (open) controller.error(err);
        open = false;
      });
    },
    pull() {
      beforeFirstRead?.();
      beforeFirstRead = undefined;
      req.resume();
    },
    // A handler that stops reading (an error found mid-body) leaves the rest to drain().
    cancel() {
      open = false;
    },
  }, { highWaterMark: beforeFirstRead ? 0 : 1 });
  return { stream, drain };
}

function toRequest(req: IncomingMessage, beforeFirstRead?: () => void): { request: Request; drain?: () => Promise<void> } {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  const hasBody = method !== "GET" && method !== "HEAD";
  const body = hasBody ? bodyStream(req, beforeFirstRead) : undefined;
  // The URL parser resolves dot segments again; the untouched target is kept beside the Request.
  const request = new Request(`http://${req.headers.host ?? "localhost"}${target.startsWith("/") ? target : `/${target}`}`, {
    method, headers, ...(body ? { body: body.stream, duplex: "half" } : {}),
  } as RequestInit);
  RAW_TARGETS.set(request, target);
  recordPeer(request, req.socket.remoteAddress);
  return body ? { request, drain: body.drain } : { request };
}

async function writeResponse(res: ServerResponse, response: Response, method: string): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const length = Number(headers["content-length"] ?? Number.NaN);
  if (!response.body || method === "HEAD") {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (!(length > IN_MEMORY_READ)) {
    // Bodies held in memory anyway (XML documents, objects up to 8 MiB) go out in one piece.
    const bytes = new Uint8Array(await response.arrayBuffer());
    headers["content-length"] = String(bytes.length);
    res.writeHead(response.status, headers);
    res.end(bytes);
    return;
  }
  res.writeHead(response.status, headers);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Only an explicit false asks to wait (Bun's node:http returns undefined for a first write it holds).
      if (res.write(value) === false) await new Promise<void>((resolve) => res.once("drain", resolve).once("close", resolve));
      if (res.destroyed) {
        await reader.cancel();
        return;
      }
    }
    res.end();
  } catch {
    res.destroy();
  }
}

/** Serves `fetch` on host:port through node:http; resolves with the bound port. */
export function listenNode(fetch: Fetch, options: { host: string; port: number; idleTimeoutSeconds: number }): Promise<number> {
  const server = createServer(async (req, res) => {
    try {
      const { request, drain } = toRequest(req);
      const response = await fetch(request);
      // An answer given before the body was read (an error, a full disk): read the rest and drop
      // it first, so a client still sending gets to see the answer instead of a reset connection.
      await drain?.();
      await writeResponse(res, response, request.method);
    } catch {
      res.destroy();
    }
  });
  // Expect: 100-continue: the 100 goes out only when the handler reads the body, which it does once
  // the request is authenticated and allowed; a refusal is answered without it, and the client (which
  // then sends no body) is told the connection closes.
  server.on("checkContinue", async (req, res) => {
    let continued = false;
    try {
      const { request, drain } = toRequest(req, () => {
        continued = true;
        res.writeContinue();
      });
      const response = await fetch(request);
      if (continued) await drain?.();
      else response.headers.set("connection", "close");
      await writeResponse(res, response, request.method);
      if (!continued) res.once("finish", () => req.socket.destroySoon());
    } catch {
      res.destroy();
    }
  });
  server.keepAliveTimeout = options.idleTimeoutSeconds * 1000;
  server.timeout = options.idleTimeoutSeconds * 1000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : options.port);
    });
  });
}

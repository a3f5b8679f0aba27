// The rungs between the S3 floor and BleepStore for a 4 KiB GET (npm run bench -- --ladder, ladder.ts):
// one bare Bun.serve where each path's first segment names a rung, each doing what the one below it
// does and one requirement more — so that the CPU a GET costs beyond the floor can be read part by part.
//   /mem/…      the HTTP ceiling: 4 KiB from memory, nothing else
//   /s3floor/…  the S3 floor: the same after verifying the request's SigV4 header signature
//   /headers/…  + the headers every S3 GET answer carries (ETag, Last-Modified, Content-Type,
//               Accept-Ranges, x-amz-request-id, x-amz-id-2, Server), as BleepStore writes them
//   /lookup/…   + the object found by bucket and key: its record from a map in memory, as BleepStore's
//               record cache gives a key read before (a prepared SQLite read by primary key measured
//               +9–10 µs here: BleepStore does not make one per GET of a hot key), its fields making the
//               headers; the bytes from memory, as BleepStore's small-object cache gives them
//   /logged/…   + one request log line, written by BleepStore's own logger (src/log.ts), the fields it logs
// Usage: bun e2e/bench/ladder-fixture.ts → prints "ladder listening on <port>".
import { createLogger } from "../../src/log.ts";
import { SECRET_KEY } from "../helpers/server.ts";
import { fromMemory, s3Floor, verifies } from "./s3-floor.ts";

const BODY = new Uint8Array(4096).fill(120);
const ETAG = `"${new Bun.CryptoHasher("md5").update(BODY).digest("hex")}"`;
const MODIFIED = new Date().toUTCString();

interface ObjectRow { etag: string; size: number; lastModified: number; contentType: string }
const records = new Map<string, ObjectRow>(["lookup", "logged"].map((bucket) => [`${bucket}/small`, { etag: ETAG, size: BODY.length, lastModified: Date.now(), contentType: "application/octet-stream" }]));
const bytes = new Map([[ETAG, BODY]]);

const log = createLogger("info");
const ID_PREFIX = Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString("hex").toUpperCase();
const HOST_ID = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64");
let counter = 0;

function s3Headers(etag: string, size: number, modified: string, contentType: string): Record<string, string> {
  return {
    etag, "last-modified": modified, "content-type": contentType, "content-length": String(size), "accept-ranges": "bytes",
    "x-amz-request-id": ID_PREFIX + (counter++ % 0x100000000).toString(16).toUpperCase().padStart(8, "0"), "x-amz-id-2": HOST_ID, server: "BleepStore",
  };
}

function answer(req: Request, url: URL, rung: string): Response {
  if (rung === "mem") return fromMemory(req);
  if (rung === "s3floor") return s3Floor(req, url, SECRET_KEY);
  const started = performance.now();
  if (!verifies(req, url, SECRET_KEY)) return new Response("SignatureDoesNotMatch", { status: 403 });
  if (rung === "headers") return new Response(req.method === "HEAD" ? null : BODY, { headers: s3Headers(ETAG, BODY.length, MODIFIED, "application/octet-stream") });
  const slash = url.pathname.indexOf("/", 1);
  const [bucket, key] = [url.pathname.slice(1, slash), decodeURIComponent(url.pathname.slice(slash + 1))];
  const row = records.get(`${bucket}/${key}`);
  if (!row) return new Response("NoSuchKey", { status: 404 });
  const headers = s3Headers(row.etag, row.size, new Date(row.lastModified).toUTCString(), row.contentType);
  const response = new Response(req.method === "HEAD" ? null : bytes.get(row.etag)!, { headers });
  if (rung === "logged") {
    log.info("request", {
      requestId: headers["x-amz-request-id"], operation: "GetObject", method: req.method, bucket, key, status: 200,
      bytesIn: 0, bytesOut: row.size, ms: Math.round((performance.now() - started) * 100) / 100,
    });
  }
  return response;
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const url = new URL(req.url);
    return answer(req, url, url.pathname.slice(1, url.pathname.indexOf("/", 1)));
  },
});
process.on("SIGTERM", () => process.exit(0));
console.log(`ladder listening on ${server.port}`);

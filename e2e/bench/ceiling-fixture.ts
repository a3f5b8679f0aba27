// The ceiling for the benchmark: plain Bun.serve answering GET/HEAD with one fixed 4 KiB file and
// discarding PUT bodies — what this machine can do with no S3 work at all. Under /floor/ it does
// instead the least a large PUT must do: write the body to a file, fdatasync it, and MD5 it (S3's
// ETag) on worker threads, one per core, as chunks arrive — the floor a server can reach here
// while the load generator shares the machine. A body PUT under /floor/keep/ is kept, and a GET of
// it answered from its file by sendfile: the least a large GET takes here. Under /mem/ it answers
// GET/HEAD with 4 KiB from memory (the plain HTTP ceiling), under /s3floor/ the same after verifying the
// request's SigV4 signature (the S3 floor, s3-floor.ts).
// Usage: bun e2e/bench/ceiling-fixture.ts [dir]  → prints "ceiling listening on <port>"; its files go
// in dir (a new temp directory without one), which it removes when it ends.
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SECRET_KEY } from "../helpers/server.ts";
import { fromMemory, s3Floor } from "./s3-floor.ts";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "bleepstore-ceiling-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "4k.bin");
writeFileSync(file, new Uint8Array(4096).fill(120));

const fdatasyncAsync = promisify(fdatasync);
const hashers = Array.from({ length: availableParallelism() }, () => {
  const source = `const jobs = new Map();
onmessage = ({ data: { id, chunk, end } }) => {
  if (!jobs.has(id)) jobs.set(id, new Bun.CryptoHasher("md5"));
  if (chunk) jobs.get(id).update(chunk);
  if (end) { postMessage({ id, digest: jobs.get(id).digest("hex") }); jobs.delete(id); }
};`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "application/javascript" })));
  const done = new Map<number, (digest: string) => void>();
  worker.onmessage = (e: MessageEvent<{ id: number; digest: string }>) => done.get(e.data.id)?.(e.data.digest);
  return { worker, done };
});
let jobs = 0;

const kept = (pathname: string) => (pathname.startsWith("/floor/keep/") ? join(dir, `kept-${pathname.slice("/floor/keep/".length).replace(/[^\w-]/g, "_")}`) : undefined);

async function floorPut(body: ReadableStream<Uint8Array>, keep: string | undefined): Promise<string> {
  const id = jobs++;
  const { worker, done } = hashers[id % hashers.length]!;
  const path = keep ?? join(dir, `floor-${id}`);
  const fd = openSync(path, "w");
  try {
    for await (const chunk of body) {
      for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at);
      // The chunk's own buffer is handed over when it is all the chunk's, else a copy.
      const own = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.length ? (chunk as Uint8Array<ArrayBuffer>) : new Uint8Array(chunk);
      worker.postMessage({ id, chunk: own }, [own.buffer]);
    }
    const digest = new Promise<string>((resolve) => done.set(id, resolve));
    worker.postMessage({ id, end: true });
    await Promise.all([digest, fdatasyncAsync(fd)]);
    done.delete(id);
    return digest;
  } finally {
    closeSync(fd);
    if (!keep) rmSync(path, { force: true });
  }
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  maxRequestBodySize: 1024 * 1024 * 1024,
  async fetch(req) {
    const url = new URL(req.url);
    const { pathname } = url;
    if (pathname.startsWith("/mem/")) return fromMemory(req);
    if (pathname.startsWith("/s3floor/")) return s3Floor(req, url, SECRET_KEY);
    if (req.method === "PUT" && req.body && pathname.startsWith("/floor/")) {
      return new Response(null, { status: 200, headers: { etag: `"${await floorPut(req.body, kept(pathname))}"` } });
    }
    if (req.method === "GET" && kept(pathname)) return new Response(Bun.file(kept(pathname)!));
    if (req.method === "PUT") {
      if (req.body) for await (const _ of req.body) void _;
      return new Response(null, { status: 200, headers: { etag: '"ceiling"' } });
    }
    return new Response(Bun.file(file), { headers: { etag: '"ceiling"' } });
  },
});
// Ended by the benchmark with SIGTERM: the exit handler removes the directory.
process.on("SIGTERM", () => process.exit(0));
console.log(`ceiling listening on ${server.port}`);

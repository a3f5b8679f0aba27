// Benchmark: the server's peak resident memory while it receives a 1 GiB object, once as a single
// streamed PutObject and once as a multipart upload (8 MiB parts, 4 at a time) with completion; and,
// on a server of its own (the kernel's high-water mark cannot be reset), as a streamed POST Object form.
// Reads the kernel's own high-water mark (VmHWM), so the peak cannot be missed between samples.
// Usage: bun e2e/bench/upload-rss.ts [size-in-MiB]   (default 1024; loopback only)
import { CreateBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { awsClient, bunClient } from "../helpers/clients.ts";
import { startServer } from "../helpers/server.ts";

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 1024) * MiB;

function memory(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rssMiB: Math.round(kb("VmRSS") / 1024), peakMiB: Math.round(kb("VmHWM") / 1024) };
}

/** `total` bytes of incompressible data, generated as it is read. */
function* chunks(total: number): Generator<Uint8Array> {
  const block = new Uint8Array(MiB);
  for (let i = 0; i < block.length; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
  for (let sent = 0; sent < total; sent += MiB) yield block.subarray(0, Math.min(MiB, total - sent));
}

await using server = await startServer({ args: ["--workers", "1", "--log-level", "warn"] });
const s3 = awsClient(server.endpoint);
await s3.send(new CreateBucketCommand({ Bucket: "bench" }));
const pid = server.pid();
const idle = memory(pid);

const t1 = performance.now();
const url = bunClient(server.endpoint, "bench").presign("single.bin", { method: "PUT", expiresIn: 3600 });
const gen = chunks(size);
const stream = new ReadableStream<Uint8Array>({
  pull(c) {
    const next = gen.next();
    if (next.done) c.close();
    else c.enqueue(next.value);
  },
});
const put = await fetch(url, { method: "PUT", body: stream, headers: { "content-length": String(size) } });
if (put.status !== 200) throw new Error(`single PUT failed: ${put.status} ${await put.text()}`);
const singleSeconds = (performance.now() - t1) / 1000;
const afterSingle = memory(pid);

const t2 = performance.now();
await new Upload({
  client: s3,
  params: { Bucket: "bench", Key: "multipart.bin", Body: Readable.from(chunks(size)) },
  partSize: 8 * MiB,
  queueSize: 4,
}).done();
const multipartSeconds = (performance.now() - t2) / 1000;
const afterMultipart = memory(pid);
const head = await s3.send(new HeadObjectCommand({ Bucket: "bench", Key: "multipart.bin" }));
if (head.ContentLength !== size) throw new Error(`multipart object has ${head.ContentLength} bytes, expected ${size}`);

// POST Object: a multipart/form-data body streamed as a browser sends it, on a fresh server.
await using postServer = await startServer({ args: ["--workers", "1", "--log-level", "warn"] });
const s3post = awsClient(postServer.endpoint);
await s3post.send(new CreateBucketCommand({ Bucket: "bench" }));
const postIdle = memory(postServer.pid());
const { url: postUrl, fields } = await createPresignedPost(s3post, { Bucket: "bench", Key: "posted.bin", Expires: 3600 });
const boundary = "----bleepstorebench";
const preamble = new TextEncoder().encode(Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join("")
  + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="posted.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
const postChunks = chunks(size);
let stage = 0;
const postBody = new ReadableStream<Uint8Array>({
  pull(c) {
    if (stage === 0) { stage = 1; c.enqueue(preamble); return; }
    const next = postChunks.next();
    if (!next.done) return c.enqueue(next.value);
    if (stage === 1) { stage = 2; c.enqueue(tail); return; }
    c.close();
  },
});
const t3 = performance.now();
const posted = await fetch(postUrl, { method: "POST", body: postBody, headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(preamble.length + size + tail.length) } });
if (posted.status !== 204) throw new Error(`POST failed: ${posted.status} ${await posted.text()}`);
const postSeconds = (performance.now() - t3) / 1000;
const afterPost = memory(postServer.pid());

const result = {
  bench: "upload-rss",
  sizeMiB: size / MiB,
  idleRssMiB: idle.rssMiB,
  single: { seconds: +singleSeconds.toFixed(2), MBps: +((size / 1e6) / singleSeconds).toFixed(1), peakRssMiB: afterSingle.peakMiB },
  multipart: { seconds: +multipartSeconds.toFixed(2), MBps: +((size / 1e6) / multipartSeconds).toFixed(1), peakRssMiB: afterMultipart.peakMiB },
  post: { seconds: +postSeconds.toFixed(2), MBps: +((size / 1e6) / postSeconds).toFixed(1), idleRssMiB: postIdle.rssMiB, peakRssMiB: afterPost.peakMiB },
};
console.log(JSON.stringify(result));
console.log(
  `1 object of ${result.sizeMiB} MiB | idle RSS ${idle.rssMiB} MiB | single PUT ${result.single.MBps} MB/s, peak RSS ${result.single.peakRssMiB} MiB | ` +
    `multipart ${result.multipart.MBps} MB/s, peak RSS ${result.multipart.peakRssMiB} MiB | ` +
    `POST Object ${result.post.MBps} MB/s, peak RSS ${result.post.peakRssMiB} MiB (idle ${result.post.idleRssMiB}) (budget 120 MiB)`,
);

// Hostile input: keys at and past the limits, keys that look like paths out of the data directory,
// Unicode forms and control characters; oversized metadata and headers; bodies that break off or
// stall; 32 writers racing on one key; mixed PUT/DELETE/Complete on one key; and a full disk.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand,
  HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { tempFiles } from "./helpers/temp-files.ts";
import { requires, unless } from "./helpers/requires.ts";
import { until } from "./helpers/until.ts";
import { signRequest } from "./helpers/sign.ts";

setDefaultTimeout(120_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("hostile");
const md5 = (b: Uint8Array | string) => new Bun.CryptoHasher("md5").update(b).digest("hex");
const local = !EXTERNAL_ENDPOINT;
/** This run's servers use node:http (the nested run of e2e/node-engine.test.ts). */
const NODE_ENGINE = process.env.BLEEPSTORE_SERVER_HTTP_ENGINE === "node";
const DOT_KEYS = ["../../../../etc/bleepstore-escape", "a/./b", "x/../y", ".", "..", "./lead", "trail/.."];

// Each server's data directory three levels down a directory of this file's own: what a key could escape
// to, up to three levels up, is watched there alone (the system's temp directory is shared with the tests
// running beside).
const watchedRoots: string[] = [];
function watchedParent(): string {
  const root = mkdtempSync(join(tmpdir(), "bleepstore-hostile-"));
  watchedRoots.push(root);
  mkdirSync(join(root, "a", "b"), { recursive: true });
  return join(root, "a", "b");
}
/** Every path under the watched directory of `s` but inside its data directory. */
function outsideData(s: TestServer): string[] {
  const root = dirname(dirname(dirname(s.dataDir)));
  return (readdirSync(root, { recursive: true }) as string[]).map((p) => join(root, p)).filter((p) => !(p === s.dataDir || p.startsWith(`${s.dataDir}/`)));
}
afterAll(() => {
  for (const root of watchedRoots) rmSync(root, { recursive: true, force: true });
});
beforeAll(async () => {
  server = await startServer(local ? { parentDir: watchedParent() } : {});
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const body = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
const storedFiles = () =>
  readdirSync(join(server.dataDir, "objects")).filter((d) => d !== ".tmp").reduce((n, d) => n + readdirSync(join(server.dataDir, "objects", d)).length, 0);

/** Raw bytes over a socket, for requests no HTTP client will send; resolves when the server closes. */
function rawRequest(text: string, after?: (send: (s: string) => void, close: () => void) => void, to: TestServer = server): Promise<string> {
  const { port } = new URL(to.endpoint);
  return new Promise((resolve, reject) => {
    let received = "";
    Bun.connect({
      hostname: "127.0.0.1",
      port: Number(port),
      socket: {
        open(sock) {
          sock.write(text);
          after?.((s) => sock.write(s), () => sock.end());
        },
        data(_sock, data) {
          received += new TextDecoder().decode(data);
        },
        close() {
          resolve(received);
        },
        error(_sock, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}

describe("keys", () => {
  test("1024 bytes of UTF-8 is the limit: exactly 1024 works, 1025 is KeyTooLongError", async () => {
    const max = `${"€".repeat(341)}a`; // 3 × 341 + 1 = 1024 bytes
    expect(Buffer.byteLength(max)).toBe(1024);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: max, Body: "max" }));
    expect(await body(max)).toBe("max");
    expect(await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${max}b`, Body: "x" })))).toBe("KeyTooLongError");
  });

  test("NFC and NFD forms are different keys", async () => {
    const nfc = "caf\u00e9";
    const nfd = "cafe\u0301";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: nfc, Body: "composed" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: nfd, Body: "decomposed" }));
    expect(await body(nfc)).toBe("composed");
    expect(await body(nfd)).toBe("decomposed");
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "caf" }))).Contents ?? []).map((c) => c.Key);
    expect(keys).toEqual([nfd, nfc]); // "e" (0x65) sorts before "é" (0xC3 0xA9)
  });

  test("control characters, %, +, ?, #, spaces and endpoint names are kept byte-exact, and listings stay well-formed XML", async () => {
    const keys = ["ctl\u0001\u001f\u007fend", "50% + ? # & < >", " lead and trail ", "metrics", "healthz", "docs/openapi.json", "/leading", "trailing/", "a//b"];
    for (const key of keys) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      expect(await body(key)).toBe(key);
    }
    const listed = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: "url" }))).Contents ?? []).map((c) => decodeURIComponent(c.Key!.replace(/\+/g, " ")));
    for (const key of keys) expect(listed).toContain(key);
    const plain = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((c) => c.Key);
    expect(plain).toContain("ctl\u0001\u001f\u007fend");
  });

  test.skipIf(!local)("keys shaped like escapes from the data directory stay metadata: no file appears outside it", async () => {
    const before = new Set(outsideData(server));
    const escapes = ["..%2f..%2fescape", "..\\..\\escape", "..a/..b", "...", "%00nul", "etc/passwd"];
    for (const key of escapes) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "contained" }));
      expect(await body(key)).toBe("contained");
    }
    if (NODE_ENGINE) {
      // node:http passes the target untouched: literal dot segments are just more key bytes.
      for (const key of DOT_KEYS) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
        expect(await body(key)).toBe(key);
      }
    } else {
      // Bun.serve resolves literal dot segments before the app sees the path (see README), so the
      // signature, made over the raw path, no longer matches: refused, never rerouted.
      for (const key of DOT_KEYS) {
        expect(await s3Status(s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "escape" })))).toBeOneOf([403, 405]);
      }
    }
    // A raw request line with dot segments and no signature at all: refused, and nothing written.
    const raw = await rawRequest(`PUT /${bucket}/../../escape-raw HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`);
    expect(raw).toMatch(/^HTTP\/1.1 4\d\d/);
    expect(outsideData(server).filter((f) => !before.has(f))).toEqual([]);
    expect(spawnSync("test", ["-e", "/etc/bleepstore-escape"]).status).not.toBe(0);
  });
});

describe.skipIf(!local || NODE_ENGINE)("keys with literal dot segments (server.http_engine: node)", () => {
  let nodeServer: TestServer;
  let client: S3Client;
  const dots = bucketName("dots");
  beforeAll(async () => {
    nodeServer = await startServer({ env: { BLEEPSTORE_SERVER_HTTP_ENGINE: "node" }, parentDir: watchedParent() });
    client = awsClient(nodeServer.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: dots }));
  });
  afterAll(async () => {
    await nodeServer?.[Symbol.asyncDispose]();
  });

  test("are stored, listed and read back byte-exact, and no file appears outside the data directory", async () => {
    const before = new Set(outsideData(nodeServer));
    for (const key of DOT_KEYS) {
      await client.send(new PutObjectCommand({ Bucket: dots, Key: key, Body: `body of ${key}` }));
      const got = await client.send(new GetObjectCommand({ Bucket: dots, Key: key }));
      expect(await got.Body!.transformToString()).toBe(`body of ${key}`);
    }
    const listed = ((await client.send(new ListObjectsV2Command({ Bucket: dots }))).Contents ?? []).map((c) => c.Key);
    expect(listed).toEqual([...DOT_KEYS].sort());
    expect(outsideData(nodeServer).filter((f) => !before.has(f))).toEqual([]);
    expect(spawnSync("test", ["-e", "/etc/bleepstore-escape"]).status).not.toBe(0);
  });
});

describe("limits", () => {
  test("user metadata over 2 KB is MetadataTooLarge and stores nothing", async () => {
    const code = await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "fat-meta", Body: "x", Metadata: { big: "m".repeat(2100) } })));
    expect(code).toBe("MetadataTooLarge");
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "fat-meta" })))).toBe(404);
  });

  test("an oversized header block is refused and the server keeps serving", async () => {
    const res = await fetch(`${server.endpoint}/${bucket}/x`, { headers: { "x-amz-meta-huge": "h".repeat(200_000) } }).catch(() => null);
    if (res) expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${server.endpoint}/healthz`)).status).toBe(200);
  });

  test.skipIf(!local)("a body that breaks off before its Content-Length leaves no object and no temp file", async () => {
    const url = `${server.endpoint}/${bucket}/broken-off`;
    const { headers } = signRequest(url, { method: "PUT", unsignedPayload: true, headers: { "content-length": "100000" } });
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n");
    await rawRequest(`PUT /${bucket}/broken-off HTTP/1.1\r\n${head}\r\n\r\n${"x".repeat(5000)}`, (_send, close) => setTimeout(close, 100));
    await until(() => tempFiles(join(server.dataDir, "objects")).length === 0, "the broken-off upload's temp file removed");
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "broken-off" })))).toBe(404);
  });
});

describe("concurrency", () => {
  test("32 writers on one key: exactly one body wins, whole, with its own ETag, and no data is left behind", async () => {
    const bodies = Array.from({ length: 32 }, (_, i) => new Uint8Array(256 * 1024).fill(i + 1));
    const etags = await Promise.all(bodies.map((b) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "race", Body: b })).then((r) => r.ETag)));
    expect(new Set(etags).size).toBe(32);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "race" }));
    const bytes = await got.Body!.transformToByteArray();
    expect(bytes.length).toBe(256 * 1024);
    expect(new Set(bytes).size).toBe(1); // never mixed
    expect(got.ETag).toBe(`"${md5(bytes)}"`);
    expect(etags).toContain(got.ETag);
  });

  test.skipIf(!local)("PUT, DELETE and CompleteMultipartUpload racing on one key leave metadata and data agreeing", async () => {
    const key = "mixed";
    const part = new Uint8Array(5 * 1024 * 1024).fill(7);
    const tail = new Uint8Array(100).fill(8);
    const complete = async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: part }));
      const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: tail }));
      await s3.send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
      }));
    };
    for (let round = 0; round < 6; round++) {
      await Promise.all([
        ...Array.from({ length: 4 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `single ${round}.${i}` }))),
        ...Array.from({ length: 3 }, () => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))),
        complete(),
      ]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => null);
      if (head) {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const bytes = await got.Body!.transformToByteArray();
        expect(bytes.length).toBe(head.ContentLength!);
        if (head.ETag!.includes("-")) expect(Buffer.compare(Buffer.from(bytes), Buffer.concat([part, tail]))).toBe(0);
        else expect(head.ETag).toBe(`"${md5(bytes)}"`);
      }
    }
    // Every stored file belongs to an object (no uploads are left open here), once the unlinks a delete
    // may defer are done: a file handed to sendfile in the last second, or a completed upload still
    // being made one file, goes a moment after its delete was answered (src/storage/local-holds.ts).
    const objects = (await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount!;
    for (let i = 0; i < 50 && storedFiles() !== objects; i++) await Bun.sleep(100);
    if (storedFiles() !== objects) {
      // What is left over, for the record (seen twice in CI, not reproduced alone): each entry, and a directory's contents.
      const root = join(server.dataDir, "objects");
      for (const shard of readdirSync(root).filter((d) => d !== ".tmp")) {
        for (const name of readdirSync(join(root, shard))) {
          const path = join(root, shard, name);
          const stat = statSync(path);
          console.error(`stored: ${shard}/${name} ${stat.isDirectory() ? `dir [${readdirSync(path).join(", ")}]` : `${stat.size} bytes`} mtime ${stat.mtime.toISOString()}`);
        }
      }
    }
    expect(storedFiles()).toBe(objects);
  });
});

describe("a full disk", () => {
  const root = local && requires("root on Linux (the disk-full test mounts a small tmpfs)", unless(process.getuid?.() === 0 && process.platform === "linux", "run as root on Linux"));

  test.skipIf(!root)("a PUT that hits ENOSPC answers 507 StorageFull, keeps nothing, and reads go on", async () => {
    const mountPoint = mkdtempSync(join(tmpdir(), "bleepstore-full-"));
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=12m", "tmpfs", mountPoint]).status).toBe(0);
    try {
      await using small = await startServer({ args: ["--data-dir", join(mountPoint, "data")] });
      const c = awsClient(small.endpoint);
      await c.send(new CreateBucketCommand({ Bucket: "full" }));
      const fits = new Uint8Array(3 * 1024 * 1024).fill(1);
      await c.send(new PutObjectCommand({ Bucket: "full", Key: "fits", Body: fits }));
      const res = await fetch(`${small.endpoint}/full/too-big`, signRequest(`${small.endpoint}/full/too-big`, {
        method: "PUT", body: new Uint8Array(20 * 1024 * 1024).fill(2), unsignedPayload: true,
      }));
      expect(res.status).toBe(507);
      expect(await res.text()).toContain("<Code>StorageFull</Code>");
      // Again and again, each failing past the 8 MiB early fdatasync: the server keeps answering.
      // (A failure there once closed the file under that sync and ended the process now and then;
      // test/storage/local.test.ts pins that race down deterministically.)
      for (let i = 0; i < 20; i++) {
        const again = await fetch(`${small.endpoint}/full/too-big`, signRequest(`${small.endpoint}/full/too-big`, {
          method: "PUT", body: new Uint8Array(20 * 1024 * 1024).fill(3), unsignedPayload: true,
        }));
        expect(again.status).toBe(507);
        await again.text();
      }
      expect(tempFiles(join(mountPoint, "data", "objects"))).toEqual([]);
      expect(await s3Status(c.send(new HeadObjectCommand({ Bucket: "full", Key: "too-big" })))).toBe(404);
      const back = await c.send(new GetObjectCommand({ Bucket: "full", Key: "fits" }));
      expect(Buffer.compare(Buffer.from(await back.Body!.transformToByteArray()), Buffer.from(fits))).toBe(0);
      await c.send(new PutObjectCommand({ Bucket: "full", Key: "small-after", Body: "still writable" }));
    } finally {
      spawnSync("umount", ["-l", mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });
});

// A server of its own with a 2 s idle timeout: Bun's HTTP client keeps one pool of connections per
// host and port for every client in the process, so on a shared server the connections this timeout
// closes would meet the other tests as a "socket hang up" that says nothing about the server.
describe.skipIf(!local)("an idle timeout of 2 s", () => {
  let stalling: TestServer;
  beforeAll(async () => {
    stalling = await startServer({ env: { BLEEPSTORE_SERVER_IDLE_TIMEOUT_SECONDS: "2" } });
    await awsClient(stalling.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await stalling?.[Symbol.asyncDispose]();
  });

  test("an upload that stalls is cut off by the idle timeout and its temp file removed", async () => {
    const url = `${stalling.endpoint}/${bucket}/stalled`;
    const { headers } = signRequest(url, { method: "PUT", unsignedPayload: true, headers: { "content-length": "100000" } });
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n");
    const started = Date.now();
    let sawTemp = false;
    const tmp = () => tempFiles(join(stalling.dataDir, "objects"));
    await rawRequest(`PUT /${bucket}/stalled HTTP/1.1\r\n${head}\r\n\r\n${"x".repeat(5000)}`, () => {
      // Seen at any moment while the upload stalls (the server makes it once the body starts).
      const look = setInterval(() => (sawTemp ||= tmp().length > 0), 20);
      setTimeout(() => clearInterval(look), 1500);
    }, stalling);
    const waited = Date.now() - started;
    expect(sawTemp).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(waited).toBeLessThan(15_000);
    await until(() => tmp().length === 0, "the stalled upload's temp file removed");
    expect(await s3Status(awsClient(stalling.endpoint).send(new HeadObjectCommand({ Bucket: bucket, Key: "stalled" })))).toBe(404);
  });
});

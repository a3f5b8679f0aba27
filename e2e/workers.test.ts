// server.workers: 2 — two worker processes on one port under a supervisor. Each worker also listens on
// a socket of its own (the way to one given worker), so a write can be made through one and
// read through the other: every cached kind is read at once as written, /metrics and /health answer
// for both, and kill -9 of a worker (mid-PUT, mid-multipart) or of the supervisor loses nothing
// that was acknowledged.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { signRequest, type SignOptions } from "./helpers/sign.ts";
import { until } from "./helpers/until.ts";
import { startBroker } from "./helpers/brokers.ts";
import { queueEnv } from "./helpers/event-suite.ts";
import { socketPath } from "../src/workers/worker.ts";

setDefaultTimeout(90_000);

const TOKEN = "workers-test-admin-token";
let server: TestServer;
let s3: S3Client;
const bucket = bucketName("workers");

const sock = (worker: number) => socketPath(join(server.dataDir, "workers"), worker);

/** A signed request sent to one given worker, through its socket. */
function via(worker: number, path: string, o: SignOptions = {}): Promise<Response> {
  const url = `${server.endpoint}${path}`;
  return fetch(url, { ...signRequest(url, o), unix: sock(worker) } as RequestInit);
}

/** An admin API call through one given worker. */
function admin(worker: number, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.endpoint}/_bleepstore/admin${path}`, {
    method, unix: sock(worker),
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  } as RequestInit);
}

type Workers = Array<{ worker: number; status: string; pid?: number; delivers_events?: boolean }>;
const workers = async (): Promise<Workers> => (await admin(1 + Math.floor(Math.random() * 2), "GET", "/workers")).json() as Promise<Workers>;

/** Both workers up and answering (the admin API's list, through either); their pids. */
async function bothUp(): Promise<number[]> {
  let pids: number[] = [];
  await until(async () => {
    const list = await workers().catch(() => null);
    pids = list?.map((w) => w.pid ?? 0) ?? [];
    return list?.length === 2 && list.every((w) => w.status === "ok") && pids.every((p) => p > 0);
  }, "both workers answer");
  return pids;
}

beforeAll(async () => {
  if (EXTERNAL_ENDPOINT) return;
  server = await startServer({ args: ["--workers", "2"], env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await bothUp();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe.skipIf(!!EXTERNAL_ENDPOINT)("server.workers: 2", () => {
  test("two processes serve the port; the admin API lists both, /health answers for both, /metrics counts the requests of both", async () => {
    const pids = await bothUp();
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(server.pid());
    // One of them delivers events.
    expect((await workers()).filter((w) => w.delivers_events)).toHaveLength(1);
    // /health keeps the family's shape, whichever worker answers.
    const health = await (await fetch(`${server.endpoint}/health`)).json() as Record<string, unknown>;
    expect(Object.keys(health)).toEqual(["status", "checks"]);
    expect(health.status).toBe("ok");
    const before = await requestsTotal();
    for (const worker of [1, 2, 1, 2]) expect((await via(worker, `/${bucket}`)).status).toBe(200);
    const metrics = await (await fetch(`${server.endpoint}/metrics`)).text();
    expect(metrics).toContain('bleepstore_worker_up{worker="1"} 1');
    expect(metrics).toContain('bleepstore_worker_up{worker="2"} 1');
    // Four ListObjects, two through each worker, and whatever this scrape's neighbours did: at least four more.
    expect(await requestsTotal()).toBeGreaterThanOrEqual(before + 4);
    // Each worker alone counts its own two.
    for (const worker of [1, 2]) {
      const own = await (await fetch(`http://localhost/_bleepstore/worker/metrics`, { unix: sock(worker) } as RequestInit)).text();
      expect(sumOf(own, 'bleepstore_requests_total{operation="ListObjects"')).toBeGreaterThanOrEqual(2);
    }
  });

  test("a write through one worker is read at once through the other: object records and small objects", async () => {
    const key = "cached.txt";
    expect((await via(1, `/${bucket}/${key}`, { method: "PUT", body: "one" })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect(await (await via(2, `/${bucket}/${key}`)).text()).toBe("one");
    for (let round = 0; round < 20; round++) {
      const [writer, reader] = round % 2 === 0 ? [1, 2] : [2, 1];
      const body = `round ${round}`;
      expect((await via(writer, `/${bucket}/${key}`, { method: "PUT", body })).status).toBe(200);
      const read = await via(reader, `/${bucket}/${key}`);
      expect(await read.text()).toBe(body);
      const head = await via(reader, `/${bucket}/${key}`, { method: "HEAD" });
      expect(head.headers.get("content-length")).toBe(String(body.length));
    }
    expect((await via(2, `/${bucket}/${key}`, { method: "DELETE" })).status).toBe(204);
    expect((await via(1, `/${bucket}/${key}`)).status).toBe(404);
  });

  test("bucket settings and ACLs changed through one worker hold at once on the other", async () => {
    const name = bucketName("wsettings");
    expect((await via(1, `/${name}`, { method: "PUT" })).status).toBe(200);
    expect((await via(1, `/${name}/open.txt`, { method: "PUT", body: "x" })).status).toBe(200);
    // Worker 2 reads the bucket (cached): private (no anonymous listing), unversioned.
    const anonymousList = () => fetch(`${server.endpoint}/${name}`, { unix: sock(2) } as RequestInit);
    expect((await anonymousList()).status).toBe(403);
    expect(await (await via(2, `/${name}?versioning`)).text()).not.toContain("<Status>Enabled</Status>");
    // Changed through worker 1 ...
    expect((await via(1, `/${name}?acl`, { method: "PUT", headers: { "x-amz-acl": "public-read" } })).status).toBe(200);
    const versioning = "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
    expect((await via(1, `/${name}?versioning`, { method: "PUT", body: versioning })).status).toBe(200);
    // ... and worker 2 sees both at once.
    expect((await anonymousList()).status).toBe(200);
    expect(await (await via(2, `/${name}?versioning`)).text()).toContain("<Status>Enabled</Status>");
    const put = await via(2, `/${name}/v.txt`, { method: "PUT", body: "v1" });
    expect(put.headers.get("x-amz-version-id")).not.toBe("null");
    // A policy that denies reads, put through worker 2, refuses them at once on worker 1.
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${name}/*` }] });
    expect((await via(1, `/${name}/open.txt`)).status).toBe(200);
    expect((await via(2, `/${name}?policy`, { method: "PUT", body: policy })).status).toBe(204);
    expect((await via(1, `/${name}/open.txt`)).status).toBe(403);
    expect((await via(1, `/${name}?policy`, { method: "DELETE" })).status).toBe(204);
    expect((await via(2, `/${name}/open.txt`)).status).toBe(200);
  });

  test("a key created, disabled and deleted through one worker is known, refused and gone at once on the other", async () => {
    const accessKey = `WORKERS${Date.now()}`;
    const as = { accessKey, secretKey: "workers-secret-0123456789" };
    // Worker 2 looks it up before it exists (a miss it may keep) ...
    expect((await via(2, "/", as)).status).toBe(403);
    expect((await admin(1, "POST", "/credentials", { accessKey, secretKey: as.secretKey })).status).toBe(201);
    // ... and knows it at once once worker 1 created it.
    expect((await via(2, "/", as)).status).toBe(200);
    expect((await admin(1, "POST", `/credentials/${accessKey}/disable`)).status).toBeLessThan(300);
    expect((await via(2, "/", as)).status).toBe(403);
    expect((await admin(2, "POST", `/credentials/${accessKey}/enable`)).status).toBeLessThan(300);
    expect((await via(1, "/", as)).status).toBe(200);
    expect((await admin(2, "DELETE", `/credentials/${accessKey}`)).status).toBeLessThan(300);
    expect((await via(1, "/", as)).status).toBe(403);
  });

  test("a KMS key disabled through one worker refuses reads at once on the other", async () => {
    const created = await (await admin(1, "POST", "/kms/keys", { description: "workers" })).json() as { keyId: string };
    const headers = { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": created.keyId };
    expect((await via(1, `/${bucket}/kms.txt`, { method: "PUT", body: "secret", headers })).status).toBe(200);
    expect(await (await via(2, `/${bucket}/kms.txt`)).text()).toBe("secret");
    expect((await admin(1, "POST", `/kms/keys/${created.keyId}/disable`)).status).toBe(200);
    const refused = await via(2, `/${bucket}/kms.txt`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("KMS.DisabledException");
    expect((await admin(2, "POST", `/kms/keys/${created.keyId}/enable`)).status).toBe(200);
    expect(await (await via(1, `/${bucket}/kms.txt`)).text()).toBe("secret");
  });

  test("failed console sign-ins count together whichever worker they reach: the sixth in a minute is refused", async () => {
    const signIn = (worker: number) => fetch(`${server.endpoint}/_bleepstore/console/api/session`, {
      method: "POST", unix: sock(worker), headers: { "content-type": "application/json" },
      body: JSON.stringify({ accessKey: "bleepstore", secretKey: "wrong" }),
    } as RequestInit);
    for (const worker of [1, 2, 1, 2, 1]) expect((await signIn(worker)).status).toBe(401);
    expect((await signIn(2)).status).toBe(429);
    expect((await signIn(1)).status).toBe(429);
  });

  test("kill -9 of a worker mid-PUT: what it acknowledged stays, the cut upload is nowhere, and it is started again", async () => {
    const [, pid2] = await bothUp();
    const acked: string[] = [];
    for (let i = 0; i < 30; i++) {
      const key = `acked/${i}`;
      expect((await via(2, `/${bucket}/${key}`, { method: "PUT", body: `value ${i}` })).status).toBe(200);
      acked.push(key);
    }
    // A large upload through worker 2 that the kill cuts short.
    const cut = streamingPut(2, `/${bucket}/cut-short`, 64 * 1024 * 1024);
    await Bun.sleep(300);
    process.kill(pid2!, "SIGKILL");
    expect(await cut).not.toBe(200);
    const pids = await bothUp();
    expect(pids[1]).not.toBe(pid2);
    expect(server.logs()).toContain("worker process died; starting it again");
    for (const [i, key] of acked.entries()) expect(await (await via(1, `/${bucket}/${key}`)).text()).toBe(`value ${i}`);
    expect((await via(1, `/${bucket}/cut-short`)).status).toBe(404);
    // The restarted worker cleared its own temp files; worker 1's (none at rest) are its own.
    const tmp = join(server.dataDir, "objects", ".tmp", "w2");
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
  });

  test("kill -9 of a worker mid-multipart: the acknowledged parts complete through the other worker", async () => {
    const key = "multi.bin";
    const created = await (await via(2, `/${bucket}/${key}?uploads`, { method: "POST" })).text();
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)![1]!;
    const part = new Uint8Array(5 * 1024 * 1024).fill(7);
    const etags: string[] = [];
    for (const n of [1, 2]) {
      const res = await via(2, `/${bucket}/${key}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`, { method: "PUT", body: part, unsignedPayload: true });
      expect(res.status).toBe(200);
      etags.push(res.headers.get("etag")!);
    }
    const [, pid2] = await bothUp();
    const cut = streamingPut(2, `/${bucket}/${key}?partNumber=3&uploadId=${encodeURIComponent(uploadId)}`, 64 * 1024 * 1024);
    await Bun.sleep(300);
    process.kill(pid2!, "SIGKILL");
    expect(await cut).not.toBe(200);
    const complete = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const done = await via(1, `/${bucket}/${key}?uploadId=${encodeURIComponent(uploadId)}`, { method: "POST", body: complete });
    expect(done.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Number(got.ContentLength)).toBe(2 * part.length);
    await bothUp();
  });

  test("kill -9 of the supervisor takes the workers with it, and the next start serves all that was acknowledged", async () => {
    const pids = await bothUp();
    for (let i = 0; i < 10; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `before-kill/${i}`, Body: `v${i}` }));
    await server.kill9();
    await until(() => pids.every((pid) => !alive(pid)), "the workers end with their supervisor", 10_000);
    await server.restart();
    await bothUp();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "before-kill/" }));
    expect(listed.KeyCount).toBe(10);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "before-kill/7" }))).Body!.transformToString();
    expect(body).toBe("v7");
  });
});

describe.skipIf(!!EXTERNAL_ENDPOINT)("server.workers: 2 with a queue", () => {
  test("events of writes through the worker that does not deliver reach the broker within a moment, once each", async () => {
    await using hook = await startBroker("webhook");
    await using queued = await startServer({ args: ["--workers", "2"], env: { ...queueEnv(hook, "w"), BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
    const qsock = (worker: number) => socketPath(join(queued.dataDir, "workers"), worker);
    let list: Workers = [];
    await until(async () => {
      const res = await fetch(`${queued.endpoint}/_bleepstore/admin/workers`, { unix: qsock(1), headers: { authorization: `Bearer ${TOKEN}` } } as RequestInit).catch(() => null);
      list = res?.ok ? await res.json() as Workers : [];
      return list.length === 2 && list.every((w) => w.status === "ok") && list.some((w) => w.delivers_events);
    }, "both workers up, one delivering");
    const other = list.find((w) => !w.delivers_events)!.worker;
    const put = (path: string, body?: string) => {
      const url = `${queued.endpoint}${path}`;
      return fetch(url, { ...signRequest(url, { method: "PUT", ...(body ? { body } : {}) }), unix: qsock(other) } as RequestInit);
    };
    expect((await put("/queued")).status).toBe(200);
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect((await put(`/queued/k${i}`, "x")).status).toBe(200);
      const sent = performance.now();
      await until(async () => (await hook.received("w")).some((m) => (m.body as { data: { key?: string } }).data.key === `k${i}`), `the event of k${i}`, 10_000);
      delays.push(performance.now() - sent);
    }
    // Well within the 5 s in which the delivering worker would look anyway.
    expect(Math.max(...delays)).toBeLessThan(1500);
    const keys = (await hook.received("w")).map((m) => (m.body as { data: { key?: string } }).data.key).filter(Boolean);
    expect(keys.sort()).toEqual(["k0", "k1", "k2", "k3", "k4"]);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !existsSync(`/proc/${pid}/stat`) ? false : !/^\d+ \(.*\) Z/.test(require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** A PUT whose body trickles in (1 MiB every 20 ms) through one worker; resolves with its status, or 0 if cut. */
async function streamingPut(worker: number, path: string, size: number): Promise<number> {
  const chunk = new Uint8Array(1024 * 1024).fill(1);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= size) return controller.close();
      await Bun.sleep(20);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const url = `${server.endpoint}${path}`;
  const signed = signRequest(url, { method: "PUT", unsignedPayload: true, headers: { "content-length": String(size) } });
  try {
    const res = await fetch(url, { ...signed, body, unix: sock(worker) } as RequestInit);
    return res.status;
  } catch {
    return 0;
  }
}

function sumOf(text: string, prefix: string): number {
  return text.split("\n").filter((l) => l.startsWith(prefix)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

async function requestsTotal(): Promise<number> {
  return sumOf(await (await fetch(`${server.endpoint}/metrics`)).text(), "bleepstore_requests_total{");
}

// Gateway benchmark: 64 MiB PUT and GET and a 256 MiB multipart upload (8 MiB parts, 4 at a time)
// through a BleepStore whose storage backend is a cloud upstream, beside the same operations sent
// straight to that upstream with its own SDK, in one run. Upstreams on loopback: another BleepStore
// for aws, Azurite for azure, the Cloud Storage emulator of firebase-tools for gcp (which has no
// compose: its direct multipart is the 32 parts uploaded 4 at a time as objects, the same upstream
// work as the gateway's parts and manifest). Usage: bun e2e/bench/gateway.ts --storage aws|azure|gcp
// [--rounds N] (npm run bench -- --storage azure)
import { BlobServiceClient } from "@azure/storage-blob";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { parseArgs } from "node:util";
import { startAzurite } from "../helpers/azurite.ts";
import { startGcsEmulator } from "../helpers/gcs-emulator.ts";
import { ACCESS_KEY, SECRET_KEY, startServer } from "../helpers/server.ts";
import { signRequest } from "../helpers/sign.ts";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { storage: { type: "string", default: "azure" }, rounds: { type: "string", default: "4" } } });
const MiB = 1024 * 1024;
const ROUNDS = Number(values.rounds);
const big = new Uint8Array(64 * MiB);
for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
const part = big.subarray(0, 8 * MiB);

/** The upstream's own client, for the same operations without the gateway. */
interface Direct {
  put(key: string): Promise<void>;
  get(key: string): Promise<number>;
  multipart(key: string): Promise<void>;
}

async function timed(fn: (i: number) => Promise<unknown>, bytes: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < ROUNDS; i++) await fn(i);
  return +(bytes * ROUNDS / 1e6 / ((performance.now() - t) / 1000)).toFixed(1);
}

async function fourAtATime(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < count) await fn(next++);
  }));
}

const cleanup: Array<() => Promise<void>> = [];
let gatewayEnv: Record<string, string>;
let direct: Direct;

if (values.storage === "aws") {
  const upstream = await startServer({ args: ["--log-level", "error"] });
  cleanup.push(() => upstream[Symbol.asyncDispose]());
  const s3 = new S3Client({ endpoint: upstream.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });
  await s3.send(new CreateBucketCommand({ Bucket: "upstream" }));
  gatewayEnv = {
    BLEEPSTORE_STORAGE_BACKEND: "aws", BLEEPSTORE_STORAGE_AWS_BUCKET: "upstream", BLEEPSTORE_STORAGE_AWS_ENDPOINT_URL: upstream.endpoint,
    BLEEPSTORE_STORAGE_AWS_USE_PATH_STYLE: "true", AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  };
  direct = {
    put: async (key) => void (await s3.send(new PutObjectCommand({ Bucket: "upstream", Key: key, Body: big }))),
    get: async (key) => (await (await s3.send(new GetObjectCommand({ Bucket: "upstream", Key: key }))).Body!.transformToByteArray()).length,
    multipart: async (key) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "upstream", Key: key }));
      const etags: string[] = [];
      await fourAtATime(32, async (i) => {
        etags[i] = (await s3.send(new UploadPartCommand({ Bucket: "upstream", Key: key, UploadId, PartNumber: i + 1, Body: part }))).ETag!;
      });
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: "upstream", Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    },
  };
} else if (values.storage === "gcp") {
  const emulator = await startGcsEmulator();
  cleanup.push(async () => void (await emulator[Symbol.asyncDispose]()));
  process.env.STORAGE_EMULATOR_HOST = emulator.endpoint;
  const { Storage } = await import("@google-cloud/storage");
  const bucket = new Storage({ projectId: "demo-bleepstore" }).bucket("direct");
  gatewayEnv = { BLEEPSTORE_STORAGE_BACKEND: "gcp", BLEEPSTORE_STORAGE_GCP_BUCKET: "gateway", STORAGE_EMULATOR_HOST: emulator.endpoint };
  direct = {
    // The SDK's own way to put a large body: a resumable upload (as the gateway does).
    put: async (key) => void (await bucket.file(key).save(big, { resumable: true, validation: false })),
    get: async (key) => (await bucket.file(key).download({ validation: false }))[0].length,
    multipart: async (key) => {
      await fourAtATime(32, async (i) => void (await bucket.file(`${key}.${i}`).save(part, { resumable: false, validation: false })));
    },
  };
} else {
  const azurite = await startAzurite();
  cleanup.push(async () => void (await azurite[Symbol.asyncDispose]()));
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString()).getContainerClient("direct");
  await container.createIfNotExists();
  gatewayEnv = { BLEEPSTORE_STORAGE_BACKEND: "azure", BLEEPSTORE_STORAGE_AZURE_CONTAINER: "gateway", BLEEPSTORE_STORAGE_AZURE_CONNECTION_STRING: azurite.connectionString() };
  const blockId = (i: number) => Buffer.from(String(i).padStart(6, "0")).toString("base64");
  direct = {
    // The SDK's own way to put a large body: 8 MiB blocks, then the list (as the gateway does).
    put: async (key) => {
      const blob = container.getBlockBlobClient(key);
      for (let i = 0; i < 8; i++) await blob.stageBlock(blockId(i), big.subarray(i * 8 * MiB, (i + 1) * 8 * MiB), 8 * MiB);
      await blob.commitBlockList(Array.from({ length: 8 }, (_, i) => blockId(i)));
    },
    get: async (key) => (await container.getBlockBlobClient(key).downloadToBuffer()).length,
    multipart: async (key) => {
      const blob = container.getBlockBlobClient(key);
      await fourAtATime(32, async (i) => void (await blob.stageBlock(blockId(i), part, part.length)));
      await blob.commitBlockList(Array.from({ length: 32 }, (_, i) => blockId(i)));
    },
  };
}

const gateway = await startServer({ args: ["--log-level", "error"], env: gatewayEnv });
cleanup.push(() => gateway[Symbol.asyncDispose]());
const ep = gateway.endpoint;
await fetch(`${ep}/bench`, signRequest(`${ep}/bench`, { method: "PUT" }));
const via = {
  put: async (key: string) => {
    const res = await fetch(`${ep}/bench/${key}`, signRequest(`${ep}/bench/${key}`, { method: "PUT", body: big, unsignedPayload: true }));
    if (!res.ok) throw new Error(`PUT ${res.status}`);
  },
  get: async (key: string) => {
    const res = await fetch(`${ep}/bench/${key}`, signRequest(`${ep}/bench/${key}`));
    let n = 0;
    for await (const chunk of res.body!) n += chunk.byteLength;
    return n;
  },
  multipart: async (key: string) => {
    const url = `${ep}/bench/${key}`;
    const created = await (await fetch(`${url}?uploads`, signRequest(`${url}?uploads`, { method: "POST" }))).text();
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)![1]!;
    const etags: string[] = [];
    await fourAtATime(32, async (i) => {
      const u = `${url}?partNumber=${i + 1}&uploadId=${uploadId}`;
      const res = await fetch(u, signRequest(u, { method: "PUT", body: part, unsignedPayload: true }));
      etags[i] = res.headers.get("etag")!;
    });
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const done = await fetch(`${url}?uploadId=${uploadId}`, signRequest(`${url}?uploadId=${uploadId}`, { method: "POST", body: xml }));
    if (!done.ok) throw new Error(`Complete ${done.status}`);
  },
};

const rows: Array<[string, number, number]> = [];
rows.push(["PUT 64 MiB", await timed((i) => via.put(`big-${i}`), 64 * MiB), await timed((i) => direct.put(`big-${i}`), 64 * MiB)]);
rows.push(["GET 64 MiB", await timed((i) => via.get(`big-${i}`), 64 * MiB), await timed((i) => direct.get(`big-${i}`), 64 * MiB)]);
rows.push(["multipart 256 MiB, 8 MiB parts, 4 at a time", await timed((i) => via.multipart(`mp-${i}`), 256 * MiB), await timed((i) => direct.multipart(`mp-${i}`), 256 * MiB)]);

console.log(`\n| ${values.storage} gateway (${ROUNDS} rounds each) | through BleepStore MB/s | direct with the SDK MB/s | ratio |`);
console.log("|---|---|---|---|");
for (const [name, g, d] of rows) console.log(`| ${name} | ${g} | ${d} | ${(g / d).toFixed(2)} |`);
for (const c of cleanup.reverse()) await c();

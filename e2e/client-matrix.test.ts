// The client matrix: one scenario (make bucket, put small, put 20 MiB multipart, list, range get,
// copy, presigned GET via fetch, delete, remove bucket) driven by each real client. Each client is one
// parameter, so a failure names it. The AWS SDK is the oracle that checks what each step did. A step a
// client does not offer is done by the oracle instead and says so; nothing is skipped silently.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CopyObjectCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand,
  HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Upload } from "@aws-sdk/lib-storage";
import * as Minio from "minio";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsClient, bucketName, bunClient, s3Status } from "./helpers/clients.ts";
import { ACCESS_KEY, SECRET_KEY, startServer, type TestServer } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";
import { signedFetch } from "./helpers/sign.ts";

setDefaultTimeout(120_000);

const MiB = 1024 * 1024;
const SMALL = "hello matrix";
let server: TestServer;
let oracle: S3Client;
let work: string;
let big: Uint8Array;
let bigPath: string;
let smallPath: string;

beforeAll(async () => {
  server = await startServer();
  oracle = awsClient(server.endpoint);
  work = mkdtempSync(join(tmpdir(), "bleepstore-matrix-"));
  big = new Uint8Array(20 * MiB);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  bigPath = join(work, "big.bin");
  smallPath = join(work, "small.txt");
  writeFileSync(bigPath, big);
  writeFileSync(smallPath, SMALL);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A client's way of doing each step; null where the client has no such operation. */
interface Client {
  name: string;
  available: () => boolean;
  mb: ((bucket: string) => Promise<void>) | null;
  put: (bucket: string, key: string) => Promise<void>;
  putBig: (bucket: string, key: string) => Promise<void>;
  list: (bucket: string) => Promise<string[]>;
  range: ((bucket: string, key: string, first: number, last: number) => Promise<string>) | null;
  copy: ((bucket: string, from: string, to: string) => Promise<void>) | null;
  presign: ((bucket: string, key: string) => Promise<string>) | null;
  del: (bucket: string, key: string) => Promise<void>;
  rb: ((bucket: string) => Promise<void>) | null;
}

async function run(cmd: string[], env: Record<string, string> = {}): Promise<string> {
  const proc = Bun.spawn(cmd, {
    // A minimal environment: no CA bundle or config of the machine's user leaks into the clients.
    env: { PATH: "/usr/bin:/bin", HOME: work, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} exited ${code}: ${err}`);
  return out;
}

const port = () => new URL(server.endpoint).port;

const awsSdk: Client = {
  name: "aws-sdk-js",
  available: () => true,
  mb: async (b) => void (await oracle.send(new CreateBucketCommand({ Bucket: b }))),
  put: async (b, k) => void (await oracle.send(new PutObjectCommand({ Bucket: b, Key: k, Body: SMALL }))),
  putBig: async (b, k) => void (await new Upload({ client: oracle, params: { Bucket: b, Key: k, Body: big }, partSize: 5 * MiB, queueSize: 4 }).done()),
  list: async (b) => ((await oracle.send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).map((c) => c.Key!),
  range: async (b, k, first, last) => (await oracle.send(new GetObjectCommand({ Bucket: b, Key: k, Range: `bytes=${first}-${last}` }))).Body!.transformToString(),
  copy: async (b, from, to) => void (await oracle.send(new CopyObjectCommand({ Bucket: b, Key: to, CopySource: `${b}/${from}` }))),
  presign: (b, k) => getSignedUrl(oracle, new GetObjectCommand({ Bucket: b, Key: k }), { expiresIn: 300 }),
  del: async (b, k) => void (await oracle.send(new DeleteObjectCommand({ Bucket: b, Key: k }))),
  rb: async (b) => void (await oracle.send(new DeleteBucketCommand({ Bucket: b }))),
};

const bun: Client = {
  name: "bun-s3client",
  available: () => true,
  mb: null, // Bun's S3Client has no bucket operations.
  put: async (b, k) => void (await bunClient(server.endpoint, b).write(k, SMALL)),
  putBig: async (b, k) => {
    const writer = bunClient(server.endpoint, b).file(k).writer({ partSize: 5 * MiB });
    for (let i = 0; i < big.length; i += MiB) writer.write(big.subarray(i, i + MiB));
    await writer.end();
  },
  list: async (b) => ((await bunClient(server.endpoint, b).list()).contents ?? []).map((c) => c.key),
  range: (b, k, first, last) => bunClient(server.endpoint, b).file(k).slice(first, last + 1).text(),
  copy: null, // Bun's S3Client has no copy.
  presign: async (b, k) => bunClient(server.endpoint, b).presign(k, { expiresIn: 300 }),
  del: (b, k) => bunClient(server.endpoint, b).delete(k),
  rb: null,
};

function minioClient(): Minio.Client {
  return new Minio.Client({
    endPoint: "127.0.0.1", port: Number(port()), useSSL: false, accessKey: ACCESS_KEY, secretKey: SECRET_KEY,
    region: "us-east-1", pathStyle: true, partSize: 5 * MiB,
  });
}
const streamText = async (s: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString();
};

const minio: Client = {
  name: "minio-js",
  available: () => true,
  mb: (b) => minioClient().makeBucket(b, "us-east-1"),
  put: async (b, k) => void (await minioClient().putObject(b, k, Buffer.from(SMALL))),
  putBig: async (b, k) => void (await minioClient().fPutObject(b, k, bigPath)),
  list: async (b) => {
    const names: string[] = [];
    for await (const item of minioClient().listObjectsV2(b, "", true)) names.push((item as { name: string }).name);
    return names;
  },
  range: async (b, k, first, last) => streamText(await minioClient().getPartialObject(b, k, first, last - first + 1)),
  copy: async (b, from, to) => void (await minioClient().copyObject(b, to, `/${b}/${from}`)),
  presign: (b, k) => minioClient().presignedGetObject(b, k, 300),
  del: (b, k) => minioClient().removeObject(b, k),
  rb: (b) => minioClient().removeBucket(b),
};

const awsEnv = () => ({
  AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_DEFAULT_REGION: "us-east-1",
  AWS_CONFIG_FILE: join(work, "none"), AWS_SHARED_CREDENTIALS_FILE: join(work, "none"), AWS_PAGER: "",
});
const aws = (...args: string[]) => run(["/usr/bin/aws", "--endpoint-url", server.endpoint, ...args], awsEnv());

const awsCli: Client = {
  name: "aws-cli",
  available: () => existsSync("/usr/bin/aws"),
  mb: async (b) => void (await aws("s3", "mb", `s3://${b}`)),
  put: async (b, k) => void (await aws("s3", "cp", smallPath, `s3://${b}/${k}`)),
  putBig: async (b, k) => void (await aws("s3", "cp", bigPath, `s3://${b}/${k}`)),
  list: async (b) => (await aws("s3", "ls", `s3://${b}/`)).trim().split("\n").map((l) => l.trim().split(/\s+/).slice(3).join(" ")),
  range: async (b, k, first, last) => {
    const out = join(work, "range.cli");
    await aws("s3api", "get-object", "--bucket", b, "--key", k, "--range", `bytes=${first}-${last}`, out);
    return readFileSync(out, "utf8");
  },
  copy: async (b, from, to) => void (await aws("s3", "cp", `s3://${b}/${from}`, `s3://${b}/${to}`)),
  presign: async (b, k) => (await aws("s3", "presign", `s3://${b}/${k}`)).trim(),
  del: async (b, k) => void (await aws("s3", "rm", `s3://${b}/${k}`)),
  rb: async (b) => void (await aws("s3", "rb", `s3://${b}`)),
};

const rcloneEnv = () => ({
  RCLONE_CONFIG: join(work, "rclone.conf"), RCLONE_CONFIG_BS_TYPE: "s3", RCLONE_CONFIG_BS_PROVIDER: "Other",
  RCLONE_CONFIG_BS_ENDPOINT: server.endpoint, RCLONE_CONFIG_BS_ACCESS_KEY_ID: ACCESS_KEY,
  RCLONE_CONFIG_BS_SECRET_ACCESS_KEY: SECRET_KEY, RCLONE_CONFIG_BS_REGION: "us-east-1",
});
const rclone = (...args: string[]) => run(["/usr/bin/rclone", "-q", "--retries", "1", ...args], rcloneEnv());

const rcloneClient: Client = {
  name: "rclone",
  available: () => existsSync("/usr/bin/rclone"),
  mb: async (b) => void (await rclone("mkdir", `bs:${b}`)),
  put: async (b, k) => void (await rclone("copyto", smallPath, `bs:${b}/${k}`)),
  putBig: async (b, k) => void (await rclone("copyto", bigPath, `bs:${b}/${k}`, "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M")),
  list: async (b) => (await rclone("lsf", `bs:${b}`)).trim().split("\n"),
  range: (b, k, first, last) => rclone("cat", "--offset", String(first), "--count", String(last - first + 1), `bs:${b}/${k}`),
  copy: async (b, from, to) => void (await rclone("copyto", `bs:${b}/${from}`, `bs:${b}/${to}`)),
  presign: async (b, k) => (await rclone("link", `bs:${b}/${k}`)).trim(),
  del: async (b, k) => void (await rclone("deletefile", `bs:${b}/${k}`)),
  rb: async (b) => void (await rclone("rmdir", `bs:${b}`)),
};

const s3cmd = (...args: string[]) =>
  run([
    "/usr/bin/s3cmd", "-c", "/dev/null", `--access_key=${ACCESS_KEY}`, `--secret_key=${SECRET_KEY}`, `--host=127.0.0.1:${port()}`,
    `--host-bucket=127.0.0.1:${port()}`, "--no-ssl", "--region=us-east-1", ...args,
  ]);

const s3cmdClient: Client = {
  name: "s3cmd",
  available: () => existsSync("/usr/bin/s3cmd"),
  mb: async (b) => void (await s3cmd("mb", `s3://${b}`)),
  put: async (b, k) => void (await s3cmd("put", smallPath, `s3://${b}/${k}`)),
  putBig: async (b, k) => void (await s3cmd("put", bigPath, `s3://${b}/${k}`, "--multipart-chunk-size-mb=5")),
  list: async (b) => (await s3cmd("ls", `s3://${b}/`)).trim().split("\n").map((l) => l.trim().split(/\s+/).at(-1)!.replace(`s3://${b}/`, "")),
  range: null, // s3cmd has no ranged download.
  copy: async (b, from, to) => void (await s3cmd("cp", `s3://${b}/${from}`, `s3://${b}/${to}`)),
  // s3cmd signurl signs with Signature V2 (auth.signature_v2, on by default).
  presign: async (b, k) => (await s3cmd("signurl", `s3://${b}/${k}`, "+300")).trim(),
  del: async (b, k) => void (await s3cmd("del", `s3://${b}/${k}`)),
  rb: async (b) => void (await s3cmd("rb", `s3://${b}`)),
};

const CLIENTS = [awsSdk, bun, minio, awsCli, rcloneClient, s3cmdClient];
for (const c of CLIENTS) requires(`client-matrix: ${c.name}`, unless(c.available(), "not installed (.ci/run installs it)"));

describe.each(CLIENTS.map((c) => [c.name, c] as const))("client matrix: %s", (name, client) => {
  test.skipIf(!client.available())("make bucket, put, multipart put, list, range, copy, presign, delete, remove bucket", async () => {
    const bucket = bucketName(name.replace(/[^a-z0-9]/g, ""));
    const note = (step: string) => console.log(`client-matrix: ${name} has no ${step}; the oracle did it`);

    if (client.mb) await client.mb(bucket);
    else {
      note("make-bucket");
      expect((await signedFetch(`${server.endpoint}/${bucket}`, { method: "PUT" })).status).toBe(200);
    }
    expect(await s3Status(oracle.send(new HeadBucketCommand({ Bucket: bucket })))).toBe(200);

    await client.put(bucket, "small.txt");
    await client.putBig(bucket, "big.bin");
    const bigHead = await oracle.send(new HeadObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(bigHead.ContentLength).toBe(20 * MiB);
    expect(bigHead.ETag).toMatch(/-\d+"$/); // really a multipart upload
    const bigBack = await oracle.send(new GetObjectCommand({ Bucket: bucket, Key: "big.bin" }));
    expect(Buffer.compare(Buffer.from(await bigBack.Body!.transformToByteArray()), Buffer.from(big))).toBe(0);

    expect((await client.list(bucket)).sort()).toEqual(["big.bin", "small.txt"]);

    if (client.range) expect(await client.range(bucket, "small.txt", 6, 11)).toBe("matrix");
    else note("ranged GET");

    if (client.copy) await client.copy(bucket, "small.txt", "copy.txt");
    else {
      note("copy");
      await oracle.send(new CopyObjectCommand({ Bucket: bucket, Key: "copy.txt", CopySource: `${bucket}/small.txt` }));
    }
    expect(await (await oracle.send(new GetObjectCommand({ Bucket: bucket, Key: "copy.txt" }))).Body!.transformToString()).toBe(SMALL);

    if (client.presign) {
      const res = await fetch(await client.presign(bucket, "small.txt"));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(SMALL);
    } else note("SigV4 presigning");

    for (const key of ["small.txt", "big.bin", "copy.txt"]) await client.del(bucket, key);
    expect((await oracle.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(0);

    if (client.rb) await client.rb(bucket);
    else {
      note("remove-bucket");
      await oracle.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
    expect(await s3Status(oracle.send(new HeadBucketCommand({ Bucket: bucket })))).toBe(404);
  });
});

// Server access logs: Put/GetBucketLogging as S3 checks it (the target bucket must exist and be the
// source bucket owner's; an empty BucketLoggingStatus turns logging off; what is not applied is refused);
// 500 requests of mixed operations by two keys and anonymous, every one found once in the log objects with
// its fields; a kill -9 after the answers and before the log objects are written loses none of them.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, DeleteObjectCommand, GetBucketLoggingCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command,
  PutBucketAclCommand, PutBucketLoggingCommand, PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { awsClient } from "./helpers/clients.ts";
import { startServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";
import { bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { signedFetch } from "./helpers/sign.ts";

setDefaultTimeout(60_000);
const TOKEN = "access-logs-token";
const fx = serverWithBucket("alog", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_ACCESS_LOGS_FLUSH_SECONDS: "1" } });

/** The fields of one access log line: plain, "quoted" (escapes undone) and [bracketed] ones. */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /\[([^\]]*)\]|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!));
  return out;
}

/** Every record in the log objects under `prefix` of `bucket`, by request id (with how often each came). */
async function records(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, { f: string[]; n: number }>> {
  const out = new Map<string, { f: string[]; n: number }>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      for (const line of text.split("\n").filter(Boolean)) {
        const f = fields(line);
        const seen = out.get(f[5]!);
        if (seen) seen.n++;
        else out.set(f[5]!, { f, n: 1 });
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

const keyPair = async (endpoint: string, name: string) => {
  const res = await fetch(`${endpoint}/_bleepstore/admin/credentials`, {
    method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ displayName: name }),
  });
  const c = await res.json() as { accessKey: string; secretKey: string; ownerId: string };
  return { ...c, s3: new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: c.accessKey, secretAccessKey: c.secretKey } }) };
};

describe("Put/GetBucketLogging", () => {
  test("on to a target bucket and prefix, read back, off again; a missing or foreign target is InvalidTargetBucketForLogging", async () => {
    const { s3, bucket, server } = fx;
    const target = bucketName("alogt");
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled).toBeUndefined();
    await s3.send(new PutBucketLoggingCommand({ Bucket: bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: "logs/" } } }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled).toEqual({ TargetBucket: target, TargetPrefix: "logs/" });

    expect(await s3ErrorCode(s3.send(new PutBucketLoggingCommand({ Bucket: bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: bucketName("nowhere"), TargetPrefix: "" } } }))))
      .toBe("InvalidTargetBucketForLogging");
    // A bucket of another owner (a second key pair) is no target.
    const created = await fetch(`${server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ displayName: "other" }),
    });
    const other = await created.json() as { accessKey: string; secretKey: string };
    const theirs = new S3Client({ endpoint: server.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: other.accessKey, secretAccessKey: other.secretKey } });
    const foreign = bucketName("alogf");
    await theirs.send(new CreateBucketCommand({ Bucket: foreign }));
    expect(await s3ErrorCode(s3.send(new PutBucketLoggingCommand({ Bucket: bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: foreign, TargetPrefix: "" } } }))))
      .toBe("InvalidTargetBucketForLogging");
    // Only the owner reads or changes it.
    expect(await s3ErrorCode(theirs.send(new GetBucketLoggingCommand({ Bucket: bucket })))).toBe("AccessDenied");
    // Refused, not ignored: grants and partitioned keys; malformed documents.
    const put = (xml: string) => signedFetch(`${server.endpoint}/${bucket}?logging`, { method: "PUT", body: xml });
    const code = async (xml: string) => /<Code>([^<]+)</.exec(await (await put(xml)).text())?.[1];
    const enabled = (inner: string) => `<BucketLoggingStatus><LoggingEnabled><TargetBucket>${target}</TargetBucket><TargetPrefix>p/</TargetPrefix>${inner}</LoggingEnabled></BucketLoggingStatus>`;
    expect(await code(enabled("<TargetGrants><Grant><Permission>READ</Permission></Grant></TargetGrants>"))).toBe("NotImplemented");
    expect(await code(enabled("<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>EventTime</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>"))).toBe("NotImplemented");
    expect((await put(enabled("<TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>"))).status).toBe(200);
    expect(await code("<Nope/>")).toBe("MalformedXML");
    expect(await code("<BucketLoggingStatus><LoggingEnabled><TargetPrefix>x</TargetPrefix></LoggingEnabled></BucketLoggingStatus>")).toBe("MalformedXML");
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled).toEqual({ TargetBucket: target, TargetPrefix: "p/" });

    await s3.send(new PutBucketLoggingCommand({ Bucket: bucket, BucketLoggingStatus: {} }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled).toBeUndefined();
  });
});

describe("access log records", () => {
  test("500 requests of mixed operations by two keys and anonymous: each in the log objects once, with its fields", async () => {
    const { s3, server } = fx;
    const source = bucketName("alogs");
    const target = bucketName("alogd");
    await s3.send(new CreateBucketCommand({ Bucket: source }));
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    await s3.send(new PutBucketAclCommand({ Bucket: source, ACL: "public-read" }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: source, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: "access/" } } }));
    const owner = (await s3.send(new ListBucketsCommand({}))).Owner!.ID!;
    const other = await keyPair(server.endpoint, "reader");
    const expected = new Map<string, { requester: string; operation: string; key: string; status: number; error: string }>();
    const note = (id: string | undefined, e: { requester: string; operation: string; key: string; status: number; error?: string }) => {
      expect(id).toBeString();
      expected.set(id!, { ...e, error: e.error ?? "-" });
    };
    const failed = async (p: Promise<unknown>) => {
      try {
        await p;
        throw new Error("expected a refusal");
      } catch (err) {
        const e = err as { $metadata?: { requestId?: string; httpStatusCode?: number }; name?: string };
        return { id: e.$metadata?.requestId, status: e.$metadata?.httpStatusCode ?? 0, code: e.name ?? "" };
      }
    };
    for (let i = 0; i < 50; i++) {
      const key = `k/${i} é`;
      const put = await s3.send(new PutObjectCommand({ Bucket: source, Key: key, Body: `body ${i}` }));
      note(put.$metadata.requestId, { requester: owner, operation: "REST.PUT.OBJECT", key, status: 200 });
      const got = await s3.send(new GetObjectCommand({ Bucket: source, Key: key }));
      await got.Body!.transformToString();
      note(got.$metadata.requestId, { requester: owner, operation: "REST.GET.OBJECT", key, status: 200 });
      const head = await other.s3.send(new HeadObjectCommand({ Bucket: source, Key: key })).catch((e: { $metadata: { requestId: string; httpStatusCode: number } }) => e);
      // Objects stay private to their writer: the reader key may list the bucket but not read them.
      note(head.$metadata.requestId, { requester: other.ownerId, operation: "REST.HEAD.OBJECT", key, status: 403, error: "AccessDenied" });
      const anon = await fetch(`${server.endpoint}/${source}?list-type=2&prefix=k/${i}`);
      note(anon.headers.get("x-amz-request-id") ?? undefined, { requester: "-", operation: "REST.GET.BUCKET", key: "", status: 200 });
      await anon.text();
      const denied = await fetch(`${server.endpoint}/${source}/anon-${i}`, { method: "PUT", body: "x" });
      note(denied.headers.get("x-amz-request-id") ?? undefined, { requester: "-", operation: "REST.PUT.OBJECT", key: `anon-${i}`, status: 403, error: "AccessDenied" });
      await denied.text();
      const missing = await failed(s3.send(new GetObjectCommand({ Bucket: source, Key: `missing-${i}` })));
      note(missing.id, { requester: owner, operation: "REST.GET.OBJECT", key: `missing-${i}`, status: 404, error: "NoSuchKey" });
      const theirs = await failed(other.s3.send(new PutObjectCommand({ Bucket: source, Key: `theirs-${i}`, Body: "x" })));
      note(theirs.id, { requester: other.ownerId, operation: "REST.PUT.OBJECT", key: `theirs-${i}`, status: 403, error: "AccessDenied" });
      const list = await other.s3.send(new ListObjectsV2Command({ Bucket: source, Prefix: `k/${i}` }));
      note(list.$metadata.requestId, { requester: other.ownerId, operation: "REST.GET.BUCKET", key: "", status: 200 });
      const tagging = await s3.send(new GetBucketLoggingCommand({ Bucket: source }));
      note(tagging.$metadata.requestId, { requester: owner, operation: "REST.GET.LOGGING_STATUS", key: "", status: 200 });
      const del = await s3.send(new DeleteObjectCommand({ Bucket: source, Key: key }));
      note(del.$metadata.requestId, { requester: owner, operation: "REST.DELETE.OBJECT", key, status: 204 });
    }
    expect(expected.size).toBe(500);
    let found = new Map<string, { f: string[]; n: number }>();
    await until(async () => {
      found = await records(s3, target, "access/");
      return [...expected.keys()].every((id) => found.has(id));
    }, "every request in the log objects", 30_000);
    for (const [id, want] of expected) {
      const { f, n } = found.get(id)!;
      expect(n).toBe(1);
      // Bucket owner, bucket, time, remote IP, requester, request id, operation, key, request line, status, error code...
      expect([f[0], f[1], f[4], f[5], f[6], f[7] === "-" ? "" : decodeURIComponent(f[7]!), f[9], f[10]]).toEqual([owner, source, want.requester, id, want.operation, want.key, String(want.status), want.error]);
      expect(f[2]).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
      expect(f[3]).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      expect(f[8]).toMatch(/^(GET|PUT|HEAD|DELETE) \/\S+ HTTP\/1\.1$/);
      expect(f).toHaveLength(26);
    }
    // The log objects' own writes are not logged (no loop); requests to the target bucket are not logged (it logs nowhere).
    const lines = [...found.values()].map((r) => r.f[1]);
    expect(new Set(lines)).toEqual(new Set([source]));
  });

  test("a bucket that logs to itself: its log objects' own writes are not logged, so the logs do not feed themselves", async () => {
    const { s3 } = fx;
    const bucket = bucketName("alogself");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: bucket, TargetPrefix: "self/" } } }));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `data/${i}`, Body: "x" }))).$metadata.requestId!);
    let found = new Map<string, { f: string[]; n: number }>();
    await until(async () => {
      found = await records(s3, bucket, "self/");
      return ids.every((id) => found.has(id));
    }, "the records in the bucket's own log objects", 30_000);
    // Three flush intervals with no request but the reads of the logs: every record is a request made
    // over HTTP (the writes, and the reads that looked), none a delivery of log objects.
    await Bun.sleep(3_000);
    found = await records(s3, bucket, "self/");
    const puts = [...found.values()].filter((r) => r.f[6] === "REST.PUT.OBJECT").map((r) => decodeURIComponent(r.f[7]!));
    expect(puts.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `data/${i}`).sort());
    for (const r of found.values()) expect(r.n).toBe(1);
  });

  test("kill -9 after the answers and before the log objects are written: after the restart every record is there", async () => {
    await using server = await startServer({ env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_ACCESS_LOGS_FLUSH_SECONDS: "3600" } });
    const s3 = awsClient(server.endpoint);
    const source = bucketName("alogk");
    const target = bucketName("alogkt");
    await s3.send(new CreateBucketCommand({ Bucket: source }));
    await s3.send(new CreateBucketCommand({ Bucket: target }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: source, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: "" } } }));
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await s3.send(new PutObjectCommand({ Bucket: source, Key: `k${i}`, Body: "x" }))).$metadata.requestId!);
    // Nothing shipped yet (an hour between flushes): the records are only in the spool.
    expect(((await s3.send(new ListObjectsV2Command({ Bucket: target }))).Contents ?? []).length).toBe(0);
    await server.kill9();
    await server.restart();
    let found = new Map<string, { f: string[]; n: number }>();
    await until(async () => {
      found = await records(s3, target, "");
      return ids.every((id) => found.has(id));
    }, "the spooled records shipped after the restart", 30_000);
    for (const id of ids) expect(found.get(id)!.n).toBe(1);
  });
});

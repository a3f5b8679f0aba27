// Policies on access keys, through the CLI, the admin API and the AWS SDK: built-ins (readonly,
// writeonly, readwrite) as MinIO names them, a custom policy limiting a key to its own prefix with
// ${aws:username}, refusals (a key policy naming a Principal), and the limit kept across a kill -9.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutBucketTaggingCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { serverWithWorkDir } from "./helpers/fixture.ts";
import { EXTERNAL_ENDPOINT, runCli } from "./helpers/server.ts";

setDefaultTimeout(60_000);
const TOKEN = "key-policy-token";
const fx = serverWithWorkDir("keypol", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
const cli = (...args: string[]) => runCli(["key", ...args, "--endpoint", fx.server.endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
const as = (accessKey: string, secret: string) => awsClient(fx.server.endpoint, { accessKeyId: accessKey, secretAccessKey: secret });
const body = async (p: Promise<{ Body?: { transformToString(): Promise<string> } }>) => (await p).Body!.transformToString();

describe.skipIf(!!EXTERNAL_ENDPOINT)("policies on access keys", () => {
  test("readonly (key create --policy): lists and reads any bucket, cannot write, delete or create", async () => {
    const bucket = bucketName("ro");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a.txt", Body: "a" }));
    const made = await cli("create", "--access-key", "READER001", "--secret-key", "reader-secret-1", "--policy", "readonly", "--json");
    expect(made.code).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ accessKey: "READER001", policy: "readonly" });
    const reader = as("READER001", "reader-secret-1");
    expect((await reader.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((c) => c.Key)).toEqual(["a.txt"]);
    expect(await body(reader.send(new GetObjectCommand({ Bucket: bucket, Key: "a.txt" })))).toBe("a");
    expect(await s3ErrorCode(reader.send(new PutObjectCommand({ Bucket: bucket, Key: "b.txt", Body: "b" })))).toBe("AccessDenied");
    expect(await s3ErrorCode(reader.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a.txt" })))).toBe("AccessDenied");
    expect(await s3ErrorCode(reader.send(new CreateBucketCommand({ Bucket: `${bucket}-mine` })))).toBe("AccessDenied");
    // Nothing was changed by the refused requests.
    expect((await fx.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map((c) => c.Key)).toEqual(["a.txt"]);
    expect((await cli("list")).out).toMatch(/READER001\s.*readonly/);
  });

  test("writeonly puts and cannot read; readwrite does both but bucket settings stay the owner's", async () => {
    const bucket = bucketName("wo");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await cli("create", "--access-key", "WRITER001", "--secret-key", "writer-secret-1", "--policy", "writeonly")).code).toBe(0);
    const writer = as("WRITER001", "writer-secret-1");
    // Object ownership is the writer's (ObjectWriter): it gives the bucket owner full control, as S3 users do.
    await writer.send(new PutObjectCommand({ Bucket: bucket, Key: "in.txt", Body: "in", ACL: "bucket-owner-full-control" }));
    expect(await s3ErrorCode(writer.send(new GetObjectCommand({ Bucket: bucket, Key: "in.txt" })))).toBe("AccessDenied");
    expect(await body(fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "in.txt" })))).toBe("in");
    expect((await cli("policy", "set", "WRITER001", "readwrite")).code).toBe(0);
    expect(await body(writer.send(new GetObjectCommand({ Bucket: bucket, Key: "in.txt" })))).toBe("in");
    await writer.send(new DeleteObjectCommand({ Bucket: bucket, Key: "in.txt" }));
    expect(await s3ErrorCode(writer.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "a", Value: "b" }] } })))).toBe("AccessDenied");
  });

  test("a custom policy limits a key to its own prefix; get and clear it; a Principal is refused", async () => {
    const bucket = bucketName("home");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await cli("create", "--access-key", "HOMEKEY01", "--secret-key", "home-secret-01")).code).toBe(0);
    const file = join(fx.work, "home.json");
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/home/\${aws:username}/*` },
        { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${bucket}`, Condition: { StringLike: { "s3:prefix": "home/${aws:username}/*" } } },
      ],
    });
    writeFileSync(file, text);
    expect((await cli("policy", "set", "HOMEKEY01", file)).code).toBe(0);
    expect(JSON.parse((await cli("policy", "get", "HOMEKEY01", "--json")).out).policy).toBe(text);
    const home = as("HOMEKEY01", "home-secret-01");
    await home.send(new PutObjectCommand({ Bucket: bucket, Key: "home/HOMEKEY01/n.txt", Body: "n" }));
    expect(await body(home.send(new GetObjectCommand({ Bucket: bucket, Key: "home/HOMEKEY01/n.txt" })))).toBe("n");
    expect((await home.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "home/HOMEKEY01/" }))).KeyCount).toBe(1);
    expect(await s3ErrorCode(home.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe("AccessDenied");
    expect(await s3ErrorCode(home.send(new PutObjectCommand({ Bucket: bucket, Key: "home/OTHER/n.txt", Body: "x" })))).toBe("AccessDenied");

    // A key policy names no Principal: refused whole, the old one kept.
    const res = await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials/HOMEKEY01/policy`, {
      method: "PUT", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] }) }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("MalformedPolicy");
    expect(JSON.parse((await cli("policy", "get", "HOMEKEY01", "--json")).out).policy).toBe(text);

    // Cleared: no longer limited (its own bucket, like any key without a policy).
    expect((await cli("policy", "clear", "HOMEKEY01")).code).toBe(0);
    await home.send(new CreateBucketCommand({ Bucket: `${bucket}-own` }));
  });

  test("the limit survives a kill -9", async () => {
    expect((await cli("create", "--access-key", "KEEPER001", "--secret-key", "keeper-secret-1", "--policy", "readonly")).code).toBe(0);
    await fx.server.kill9();
    await fx.server.restart();
    expect(await s3ErrorCode(as("KEEPER001", "keeper-secret-1").send(new CreateBucketCommand({ Bucket: bucketName("kept") })))).toBe("AccessDenied");
    expect(JSON.parse((await cli("policy", "get", "KEEPER001", "--json")).out).policy).toBe("readonly");
  });
});

// Bucket policies through the AWS SDK and with no credentials at all (fetch, as curl or a browser):
// Put/Get/Delete/GetBucketPolicyStatus with S3's errors, a public-read bucket, explicit Deny over the
// owner's own rights (the owner can still manage the policy), IP conditions over loopback, a second
// key limited to its own prefix by ${aws:username}, DeleteObjects under a Deny, and the policy kept
// across a kill -9.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, DeleteBucketPolicyCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketPolicyCommand, GetBucketPolicyStatusCommand,
  GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { serverWithWorkDir } from "./helpers/fixture.ts";
import * as Minio from "minio";
import { ACCESS_KEY, EXTERNAL_ENDPOINT, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(60_000);
const TOKEN = "policy-admin-token";
const fx = serverWithWorkDir("policy", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });

const policy = (bucket: string, statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const publicRead = (bucket: string) => policy(bucket, [{ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }]);

async function fresh(label: string): Promise<string> {
  const bucket = bucketName(label);
  await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

describe("bucket policy", () => {
  test("Put, Get (as it was put), GetBucketPolicyStatus, Delete; S3's errors", async () => {
    const bucket = await fresh("pol");
    expect(await s3ErrorCode(fx.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).toBe("NoSuchBucketPolicy");
    const text = publicRead(bucket);
    await fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text }));
    expect((await fx.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(text);
    expect((await fx.s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic).toBe(true);
    await fx.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    expect(await s3ErrorCode(fx.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).toBe("NoSuchBucketPolicy");

    for (const bad of [
      "not json",
      JSON.stringify({ Statement: [{ Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] }),
      policy(bucket, [{ Effect: "Allow", Principal: "*", Action: "s3:GetObjekt", Resource: `arn:aws:s3:::${bucket}/*` }]),
      policy(bucket, [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::another-bucket/*" }]),
      policy(bucket, [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, Condition: { StringSort: { "aws:UserAgent": "x" } } }]),
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, Sid: "x".repeat(21_000) }] }),
    ]) {
      expect(await s3ErrorCode(fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: bad })))).toBe("MalformedPolicy");
    }
    // Nothing of a refused policy was kept.
    expect(await s3ErrorCode(fx.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).toBe("NoSuchBucketPolicy");
    // Only the owner manages it.
    const other = await (await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ accessKey: "POLOTHER1", secretKey: "pol-other-secret" }),
    })).json() as { accessKey: string };
    expect(other.accessKey).toBe("POLOTHER1");
    const s3other = awsClient(fx.server.endpoint, { accessKeyId: "POLOTHER1", secretAccessKey: "pol-other-secret" });
    expect(await s3ErrorCode(s3other.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text })))).toBe("AccessDenied");
  });

  test("a public-read policy: anyone GETs the objects without credentials; nothing more", async () => {
    const bucket = await fresh("pub");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "hello", ContentType: "text/plain" }));
    const url = `${fx.server.endpoint}/${bucket}/hello.txt`;
    expect((await fetch(url)).status).toBe(403);
    await fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) }));
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("hello");
    expect((await fetch(url, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${fx.server.endpoint}/${bucket}/new.txt`, { method: "PUT", body: "x" })).status).toBe(403);
    expect((await fetch(`${fx.server.endpoint}/${bucket}?list-type=2`)).status).toBe(403);
    // With s3:ListBucket too, the listing opens.
    await fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: policy(bucket, [
        { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` },
        { Effect: "Allow", Principal: { AWS: "*" }, Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${bucket}` },
      ]),
    }));
    expect(await (await fetch(`${fx.server.endpoint}/${bucket}?list-type=2`)).text()).toContain("<Key>hello.txt</Key>");
  });

  test("an explicit Deny wins over the owner's rights and over a policy Allow; the owner can still remove the policy", async () => {
    const bucket = await fresh("deny");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "keep/a", Body: "a" }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "free/b", Body: "b" }));
    await fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: policy(bucket, [
        { Effect: "Allow", Principal: "*", Action: "s3:*", Resource: `arn:aws:s3:::${bucket}/*` },
        { Effect: "Deny", Principal: "*", Action: ["s3:DeleteObject", "s3:PutObject"], Resource: `arn:aws:s3:::${bucket}/keep/*` },
      ]),
    }));
    expect(await s3ErrorCode(fx.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "keep/a" })))).toBe("AccessDenied");
    expect(await s3ErrorCode(fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "keep/c", Body: "c" })))).toBe("AccessDenied");
    // DeleteObjects names its keys in its body: under a Deny of s3:DeleteObject it is refused whole.
    expect(await s3ErrorCode(fx.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "free/b" }] } })))).toBe("AccessDenied");
    await fx.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "free/b" }));
    expect(await (await fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "keep/a" }))).Body!.transformToString()).toBe("a");
    await fx.s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await fx.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "keep/a" }));
  });

  test("IpAddress and NotIpAddress conditions over the loopback address; Bool aws:SecureTransport", async () => {
    const bucket = await fresh("ip");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "v" }));
    const url = `${fx.server.endpoint}/${bucket}/k`;
    const allowFrom = (cidr: string) => fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: policy(bucket, [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, Condition: { IpAddress: { "aws:SourceIp": cidr } } }]),
    }));
    await allowFrom("10.0.0.0/8");
    expect((await fetch(url)).status).toBe(403);
    await allowFrom("127.0.0.0/8");
    expect((await fetch(url)).status).toBe(200);
    // NotIpAddress: a Deny for everyone outside 10.0.0.0/8 reaches the loopback owner too.
    await fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: policy(bucket, [{ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }]),
    }));
    expect(await s3ErrorCode(fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })))).toBe("AccessDenied");
    // Deny everything not over TLS: this server speaks plain HTTP, so even the owner is refused.
    await fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: policy(bucket, [{ Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Bool: { "aws:SecureTransport": "false" } } }]),
    }));
    expect(await s3ErrorCode(fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })))).toBe("AccessDenied");
    expect((await fx.s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).PolicyStatus?.IsPublic).toBe(false);
  });

  test("a second key limited to its own prefix with ${aws:username}", async () => {
    const bucket = await fresh("home");
    await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ accessKey: "HOMEUSER1", secretKey: "home-user-secret" }),
    });
    await fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: policy(bucket, [{
        Effect: "Allow", Principal: { AWS: ["HOMEUSER1"] }, Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/home/\${aws:username}/*`,
      }]),
    }));
    const user = awsClient(fx.server.endpoint, { accessKeyId: "HOMEUSER1", secretAccessKey: "home-user-secret" });
    await user.send(new PutObjectCommand({ Bucket: bucket, Key: "home/HOMEUSER1/notes.txt", Body: "mine" }));
    expect(await (await user.send(new GetObjectCommand({ Bucket: bucket, Key: "home/HOMEUSER1/notes.txt" }))).Body!.transformToString()).toBe("mine");
    expect(await s3ErrorCode(user.send(new PutObjectCommand({ Bucket: bucket, Key: "home/SOMEONE/notes.txt", Body: "theirs" })))).toBe("AccessDenied");
    expect(await s3ErrorCode(user.send(new DeleteObjectCommand({ Bucket: bucket, Key: "home/HOMEUSER1/notes.txt" })))).toBe("AccessDenied");
  });

  test("the policies `mc anonymous set download|upload|none` writes, set with the minio-js client: anonymous reads and lists, then uploads, then nothing", async () => {
    const bucket = await fresh("mcanon");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "f.txt", Body: "file" }));
    const url = new URL(fx.server.endpoint);
    const minio = new Minio.Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, region: "us-east-1", pathStyle: true });
    const arn = `arn:aws:s3:::${bucket}`;
    // As mc writes them (mc anonymous set download / upload).
    const download = { Version: "2012-10-17", Statement: [
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: [arn] },
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: [`${arn}/*`] },
    ] };
    const upload = { Version: "2012-10-17", Statement: [
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"], Resource: [arn] },
      { Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:PutObject"], Resource: [`${arn}/*`] },
    ] };
    await minio.setBucketPolicy(bucket, JSON.stringify(download));
    expect(JSON.parse(await minio.getBucketPolicy(bucket))).toEqual(download);
    expect(await (await fetch(`${fx.server.endpoint}/${bucket}/f.txt`)).text()).toBe("file");
    expect(await (await fetch(`${fx.server.endpoint}/${bucket}?list-type=2`)).text()).toContain("<Key>f.txt</Key>");
    expect((await fetch(`${fx.server.endpoint}/${bucket}/new.txt`, { method: "PUT", body: "n" })).status).toBe(403);
    await minio.setBucketPolicy(bucket, JSON.stringify(upload));
    expect((await fetch(`${fx.server.endpoint}/${bucket}/new.txt`, { method: "PUT", body: "n" })).status).toBe(200);
    expect((await fetch(`${fx.server.endpoint}/${bucket}/f.txt`)).status).toBe(403);
    // mc anonymous set none: the policy removed (minio-js sends an empty policy to delete it).
    await minio.setBucketPolicy(bucket, "");
    expect(await s3ErrorCode(fx.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })))).toBe("NoSuchBucketPolicy");
    expect((await fetch(`${fx.server.endpoint}/${bucket}/new.txt`, { method: "PUT", body: "n" })).status).toBe(403);
  });

  test.skipIf(!!EXTERNAL_ENDPOINT)("the policy survives a kill -9", async () => {
    const bucket = await fresh("keep");
    const text = publicRead(bucket);
    await fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: text }));
    await fx.server.kill9();
    await fx.server.restart();
    expect((await fx.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(text);
  });
});

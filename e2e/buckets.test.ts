// Bucket operations through the AWS SDK against a spawned server.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetBucketLocationCommand, HeadBucketCommand,
  ListBucketsCommand, PutObjectCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe("CreateBucket", () => {
  test("creates a bucket that ListBuckets and HeadBucket then see", async () => {
    const name = bucketName("create");
    const created = await s3.send(new CreateBucketCommand({ Bucket: name }));
    expect(created.Location).toBe(`/${name}`);
    const head = await s3.send(new HeadBucketCommand({ Bucket: name }));
    expect(head.BucketRegion).toBe("us-east-1");
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((b) => b.Name)).toContain(name);
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(list.Owner?.DisplayName).toBe("bleepstore");
    const mine = list.Buckets!.find((b) => b.Name === name)!;
    expect(Math.abs(mine.CreationDate!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  test("creating a bucket you own again succeeds in us-east-1", async () => {
    const name = bucketName("again");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    expect(await s3Status(s3.send(new CreateBucketCommand({ Bucket: name })))).toBe(200);
  });

  test.each(["ab", "UPPER-case", "bad_name", "192.168.5.4", "a..b", "-dash", "xn--punycode"])("name %s is InvalidBucketName", async (name) => {
    expect(await s3ErrorCode(s3.send(new CreateBucketCommand({ Bucket: name })))).toBe("InvalidBucketName");
  });

  test("a LocationConstraint for another region is refused", async () => {
    const code = await s3ErrorCode(
      s3.send(new CreateBucketCommand({ Bucket: bucketName("loc"), CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })),
    );
    expect(code).toBe("IllegalLocationConstraintException");
  });

  test("a canned ACL is accepted at create time", async () => {
    const name = bucketName("acl");
    await s3.send(new CreateBucketCommand({ Bucket: name, ACL: "public-read" }));
    expect(await s3Status(s3.send(new HeadBucketCommand({ Bucket: name })))).toBe(200);
  });
});

describe("GetBucketLocation", () => {
  test("is empty for us-east-1", async () => {
    const name = bucketName("where");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: name }));
    expect(loc.LocationConstraint ?? "").toBe("");
  });
});

describe("HeadBucket", () => {
  test("a missing bucket is 404", async () => {
    expect(await s3Status(s3.send(new HeadBucketCommand({ Bucket: bucketName("missing") })))).toBe(404);
  });
});

describe("DeleteBucket", () => {
  test("an empty bucket is deleted", async () => {
    const name = bucketName("del");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
    expect(await s3Status(s3.send(new HeadBucketCommand({ Bucket: name })))).toBe(404);
  });

  test("a non-empty bucket is 409 BucketNotEmpty and is kept", async () => {
    const name = bucketName("full");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: "x" }));
    expect(await s3Status(s3.send(new DeleteBucketCommand({ Bucket: name })))).toBe(409);
    expect(await s3ErrorCode(s3.send(new DeleteBucketCommand({ Bucket: name })))).toBe("BucketNotEmpty");
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: "k" }));
    await s3.send(new DeleteBucketCommand({ Bucket: name }));
  });

  test("a missing bucket is NoSuchBucket", async () => {
    expect(await s3ErrorCode(s3.send(new DeleteBucketCommand({ Bucket: bucketName("gone") })))).toBe("NoSuchBucket");
  });
});

describe("ListBuckets", () => {
  test("pages with max-buckets and continuation-token, filtered by prefix", async () => {
    const prefix = bucketName("page");
    const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const n of names) await s3.send(new CreateBucketCommand({ Bucket: n }));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ Prefix: prefix, MaxBuckets: 2, ContinuationToken: token }));
      seen.push(...(page.Buckets ?? []).map((b) => b.Name!));
      token = page.ContinuationToken;
    } while (token);
    expect(seen).toEqual(names);
  });
});

// Authentication and access through real clients: wrong secrets, unknown keys, clock skew, anonymous
// access decided by ACLs, presigned URLs from Bun's S3Client.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client, type S3Client as Client } from "@aws-sdk/client-s3";
import { awsClient, bucketName, bunClient, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { ACCESS_KEY, startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: Client;
const bucket = bucketName("auth");
beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "private.txt", Body: "secret" }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "public.txt", Body: "hello all", ACL: "public-read" }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe("SigV4 header auth", () => {
  test("a wrong secret is 403 SignatureDoesNotMatch", async () => {
    const bad = awsClient(server.endpoint, { accessKeyId: ACCESS_KEY, secretAccessKey: "wrong-secret" });
    expect(await s3Status(bad.send(new ListBucketsCommand({})))).toBe(403);
    expect(await s3ErrorCode(bad.send(new ListBucketsCommand({})))).toBe("SignatureDoesNotMatch");
  });

  test("an unknown access key is 403 InvalidAccessKeyId", async () => {
    const bad = awsClient(server.endpoint, { accessKeyId: "nobody", secretAccessKey: "whatever" });
    expect(await s3Status(bad.send(new ListBucketsCommand({})))).toBe(403);
    expect(await s3ErrorCode(bad.send(new ListBucketsCommand({})))).toBe("InvalidAccessKeyId");
  });

  test("a clock 20 minutes off is RequestTimeTooSkewed", async () => {
    const skewed = new S3Client({
      endpoint: server.endpoint, region: "us-east-1", forcePathStyle: true, maxAttempts: 1,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: "bleepstore-secret" }, systemClockOffset: -20 * 60 * 1000,
    });
    expect(await s3ErrorCode(skewed.send(new ListBucketsCommand({})))).toBe("RequestTimeTooSkewed");
  });

  test("a failed signature on a PUT stores nothing", async () => {
    const bad = awsClient(server.endpoint, { accessKeyId: ACCESS_KEY, secretAccessKey: "wrong-secret" });
    await bad.send(new PutObjectCommand({ Bucket: bucket, Key: "forged", Body: "x" })).catch(() => {});
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "forged" })))).toBe("NoSuchKey");
  });

  test("an Authorization header of another scheme is refused with a clear error", async () => {
    const res = await fetch(`${server.endpoint}/`, { headers: { authorization: "Bearer c2lnbmF0dXJl" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidRequest</Code>");
    // Signature V2 (e2e/sigv2.test.ts) without a Date: refused as S3 does.
    const v2 = await fetch(`${server.endpoint}/`, { headers: { authorization: "AWS bleepstore:c2lnbmF0dXJl" } });
    expect(v2.status).toBe(403);
    expect(await v2.text()).toContain("<Code>AccessDenied</Code>");
  });

  test("a malformed SigV4 header is AuthorizationHeaderMalformed", async () => {
    const res = await fetch(`${server.endpoint}/`, { headers: { authorization: "AWS4-HMAC-SHA256 Credential=bleepstore/x" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>AuthorizationHeaderMalformed</Code>");
  });
});

describe("anonymous access", () => {
  test("GET of a private object is 403 AccessDenied", async () => {
    const res = await fetch(`${server.endpoint}/${bucket}/private.txt`);
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain("<Code>AccessDenied</Code>");
    expect(res.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
  });

  test("GET of a public-read object works", async () => {
    const res = await fetch(`${server.endpoint}/${bucket}/public.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello all");
  });

  test("ListBuckets is 403", async () => {
    expect((await fetch(`${server.endpoint}/`)).status).toBe(403);
  });

  test("PUT into a private bucket is 403 and stores nothing", async () => {
    const res = await fetch(`${server.endpoint}/${bucket}/anon.txt`, { method: "PUT", body: "x" });
    expect(res.status).toBe(403);
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "anon.txt" })))).toBe("NoSuchKey");
  });
});

describe("presigned URLs (Bun's S3Client)", () => {
  test("a presigned GET works through plain fetch", async () => {
    const url = bunClient(server.endpoint, bucket).presign("private.txt", { expiresIn: 300 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("secret");
  });

  test("a presigned PUT stores the body; the same URL used for DELETE is refused", async () => {
    const client = bunClient(server.endpoint, bucket);
    const url = client.presign("uploaded.txt", { method: "PUT", expiresIn: 300 });
    const put = await fetch(url, { method: "PUT", body: "via presigned put" });
    expect(put.status).toBe(200);
    expect(await client.file("uploaded.txt").text()).toBe("via presigned put");
    const del = await fetch(url, { method: "DELETE" });
    expect(del.status).toBe(403);
    expect(await client.exists("uploaded.txt")).toBe(true);
  });

  test("a tampered presigned URL is SignatureDoesNotMatch", async () => {
    const url = bunClient(server.endpoint, bucket).presign("private.txt", { expiresIn: 300 }).replace("private.txt", "public.txt");
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("SignatureDoesNotMatch");
  });
});

// S3 answers a request that carries no credentials (no Authorization header, or an empty one) to a
// bucket that is not public with 403 AccessDenied, whatever it asks and before it looks at the body.
describe("anonymous requests to a private bucket", () => {
  const cases: Array<[string, string, string?]> = [
    ["GET", "/"], ["PUT", "/{new}"], ["DELETE", "/{b}"], ["HEAD", "/{b}"], ["GET", "/{b}"], ["GET", "/{b}?location"], ["GET", "/{b}?acl"],
    ["PUT", "/{b}?acl"], ["PUT", "/{b}?acl", "<AccessControlPolicy/>"], ["GET", "/{b}?versioning"],
    ["PUT", "/{b}?versioning", "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"], ["GET", "/{b}?policy"], ["GET", "/{b}?cors"],
    ["GET", "/{b}?tagging"], ["GET", "/{b}?uploads"], ["GET", "/{b}?versions"], ["POST", "/{b}?delete", "<Delete><Object><Key>private.txt</Key></Object></Delete>"],
    ["GET", "/{b}/private.txt"], ["HEAD", "/{b}/private.txt"], ["PUT", "/{b}/new.txt", "x"], ["DELETE", "/{b}/private.txt"], ["GET", "/{b}/private.txt?acl"],
    ["PUT", "/{b}/private.txt?acl"], ["GET", "/{b}/private.txt?tagging"], ["PUT", "/{b}/private.txt?tagging", "<Tagging><TagSet/></Tagging>"], ["POST", "/{b}/m?uploads"],
  ];
  test.each(cases.flatMap(([m, p, body]) => [[m, p, body, "no"], [m, p, body, "an empty"]] as const))("%s %s (body %s) with %s Authorization → 403 AccessDenied", async (method, path, body, auth) => {
    const url = `${server.endpoint}${path.replace("{b}", bucket).replace("{new}", bucketName("anon"))}`;
    const res = await fetch(url, { method, body, headers: auth === "no" ? {} : { authorization: "" } });
    expect(res.status).toBe(403);
    if (method !== "HEAD") expect(await res.text()).toContain("<Code>AccessDenied</Code>");
  });

  test("and nothing changed", async () => {
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "private.txt" }))).Body!.transformToString()).toBe("secret");
    expect(await s3ErrorCode(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "new.txt" })))).toBe("NoSuchKey");
  });
});

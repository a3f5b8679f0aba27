// Nothing silently accepted: every row of the protection table (src/server/protection.ts) is walked
// against a real server — each refused header or parameter gets its S3 error and changes nothing; each
// implemented one goes through. Then the reproductions of the security issue, with Debian's AWS CLI v2.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PROTECTION_RULES, type ProtectionRule } from "../src/server/protection.ts";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { requires, unless } from "./helpers/requires.ts";
import { awsClient, bucketName, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";

requires("the AWS CLI v2 (/usr/bin/aws)", unless(hasAwsCli, "apt-get install awscli"));

setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
let owner: string;
let work: string;
const bucket = bucketName("guard");
// Object Lock headers are walked in a bucket that has Object Lock (elsewhere they are InvalidRequest).
const lockBucket = bucketName("guard-lock");
beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: lockBucket, ObjectLockEnabledForBucket: true }));
  owner = (await s3.send(new ListBucketsCommand({}))).Owner!.ID!;
  work = mkdtempSync(join(tmpdir(), "bleepstore-protection-"));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  if (work) rmSync(work, { recursive: true, force: true });
});

const objectExists = async (key: string) => (await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) === 200;
const bucketExists = async (name: string) => (await s3Status(s3.send(new HeadBucketCommand({ Bucket: name })))) === 200;
const putPlain = (key: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "plain" }));

/** The error S3 gives for each refused rule (the table's own refusals, checked from outside). */
function expectedRefusal(rule: ProtectionRule): [number, string] {
  if (rule.name.startsWith("x-amz-object-lock-")) return [400, "InvalidRequest"]; // no bucket has Object Lock configured
  return [501, "NotImplemented"];
}

interface Outcome {
  res: Response;
  /** Whether the request changed what it would have changed had it been accepted. */
  changed: () => Promise<boolean>;
}

// SSE-C's headers only work as a set of three (a valid key, its MD5): the walk sends the whole set.
const SSE_C_KEY = { key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", md5: "hRasmdxgYDKV3nvbahU1MA==" };
const sseCPrefix = (name: string) => /^(x-amz-(?:copy-source-)?server-side-encryption-customer-)/.exec(name)?.[1];
const sseCSet = (prefix: string) => ({ [`${prefix}algorithm`]: "AES256", [`${prefix}key`]: SSE_C_KEY.key, [`${prefix}key-md5`]: SSE_C_KEY.md5 });

/** Sends `operation` with one header or query parameter added; `changed` tells whether it took effect. */
async function send(operation: string, rule: ProtectionRule, value: string, n: number): Promise<Outcome> {
  const key = `walk-${n}`;
  const prefix = rule.state === "implemented" ? sseCPrefix(rule.name) : undefined;
  const locking = rule.state === "implemented" && rule.name.startsWith("x-amz-object-lock-");
  // Mode and date go together, like SSE-C's three headers.
  const retention = { "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": new Date(Date.now() + 3_600_000).toISOString() };
  // The SSE-KMS headers go with x-amz-server-side-encryption: aws:kms (alone they are InvalidArgument, as in S3).
  const kms: Record<string, string> = rule.state === "implemented" && rule.name.startsWith("x-amz-server-side-encryption-") && !prefix ? { "x-amz-server-side-encryption": "aws:kms" } : {};
  const headers: Record<string, string> = rule.in !== "header"
    ? {}
    : prefix ? sseCSet(prefix) : locking && rule.name !== "x-amz-object-lock-legal-hold" ? retention : { ...kms, [rule.name]: value };
  const target = locking ? lockBucket : bucket;
  const query = rule.in === "query" ? `?${rule.name}=${encodeURIComponent(value)}` : "";
  const url = (k: string) => `${server.endpoint}/${target}/${k}${query}`;
  switch (operation) {
    case "PutObject":
    case "CreateMultipartUpload": // the same headers, checked the same way: the simplest write is walked
      return {
        res: await signedFetch(url(key), { method: "PUT", body: "protected?", headers }),
        // An SSE-C object is read with its key.
        changed: async () => (await signedFetch(url(key), { method: "HEAD", headers: prefix ? headers : {} })).status === 200,
      };
    case "CopyObject": {
      // A copy-source key needs an SSE-C source under that key.
      if (prefix?.startsWith("x-amz-copy-source-")) {
        const src = await signedFetch(url(`${key}-src`), { method: "PUT", body: "sealed", headers: sseCSet("x-amz-server-side-encryption-customer-") });
        expect(src.status).toBe(200);
      } else {
        await putPlain(`${key}-src`);
      }
      const res = await signedFetch(url(key), { method: "PUT", headers: { ...headers, "x-amz-copy-source": `/${bucket}/${key}-src` } });
      return { res, changed: () => objectExists(key) };
    }
    case "DeleteObject": {
      await putPlain(key);
      return { res: await signedFetch(url(key), { method: "DELETE", headers }), changed: async () => !(await objectExists(key)) };
    }
    case "GetObject": {
      await putPlain(key);
      return { res: await signedFetch(url(key), { headers }), changed: async () => false };
    }
    case "CreateBucket": {
      const name = bucketName(`walk${n}`);
      return { res: await signedFetch(`${server.endpoint}/${name}`, { method: "PUT", headers }), changed: () => bucketExists(name) };
    }
  }
  throw new Error(`no walk for ${operation}`);
}

// Query parameters are walked on DeleteObject: a version id there would otherwise delete the object.
const walkedOperation = (rule: ProtectionRule) => rule.operations?.[0] ?? (rule.in === "query" ? "DeleteObject" : "PutObject");
const rows = PROTECTION_RULES.map((rule, n) => ({ rule, n, label: `${rule.in} ${rule.name} on ${walkedOperation(rule)}` }));

describe("protection table walk", () => {
  test.each(rows.filter((r) => r.rule.state === "refused"))("refused: $label", async ({ rule, n }) => {
    const [status, code] = expectedRefusal(rule);
    const { res, changed } = await send(walkedOperation(rule), rule, rule.example, n);
    const body = await res.text();
    expect(res.status).toBe(status);
    expect(body).toContain(`<Code>${code}</Code>`);
    expect(await changed()).toBe(false);
  });

  test.each(rows.filter((r) => r.rule.state === "implemented"))("implemented: $label", async ({ rule, n }) => {
    const value = rule.example === "<owner>" ? owner : rule.example;
    const { res, changed } = await send(walkedOperation(rule), rule, value, n);
    expect(res.status).toBeLessThan(300);
    expect(await changed()).toBe(true);
  });

  test("values that ask for nothing are accepted; an unknown encryption method is InvalidArgument", async () => {
    const lockOff = bucketName("lockoff");
    expect((await signedFetch(`${server.endpoint}/${lockOff}`, { method: "PUT", headers: { "x-amz-bucket-object-lock-enabled": "false" } })).status).toBe(200);
    const writer = bucketName("writer");
    expect((await signedFetch(`${server.endpoint}/${writer}`, { method: "PUT", headers: { "x-amz-object-ownership": "ObjectWriter" } })).status).toBe(200);
    const bogus = await signedFetch(`${server.endpoint}/${bucket}/sse-bogus`, { method: "PUT", body: "x", headers: { "x-amz-server-side-encryption": "rot13" } });
    expect(bogus.status).toBe(400);
    expect(await bogus.text()).toContain("<Code>InvalidArgument</Code>");
    const dsse = await signedFetch(`${server.endpoint}/${bucket}/sse-dsse`, { method: "PUT", body: "x", headers: { "x-amz-server-side-encryption": "aws:kms:dsse" } });
    expect(dsse.status).toBe(501);
    const lone = await signedFetch(`${server.endpoint}/${bucket}/sse-kms-lone`, { method: "PUT", body: "x", headers: { "x-amz-server-side-encryption-aws-kms-key-id": "alias/aws/s3" } });
    expect(lone.status).toBe(400);
    expect(await lone.text()).toContain("<Code>InvalidArgument</Code>");
    expect(await objectExists("sse-bogus")).toBe(false);
    expect(await objectExists("sse-dsse")).toBe(false);
    expect(await objectExists("sse-kms-lone")).toBe(false);
    await putPlain("null-version");
    expect((await signedFetch(`${server.endpoint}/${bucket}/null-version?versionId=null`)).status).toBe(200);
  });

  test("x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner: a wrong owner is 403 and changes nothing", async () => {
    const wrong = "111122223333";
    const put = await signedFetch(`${server.endpoint}/${bucket}/owner-put`, { method: "PUT", body: "x", headers: { "x-amz-expected-bucket-owner": wrong } });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain("<Code>AccessDenied</Code>");
    expect(await objectExists("owner-put")).toBe(false);
    await putPlain("owner-src");
    const copy = await signedFetch(`${server.endpoint}/${bucket}/owner-copy`, {
      method: "PUT", headers: { "x-amz-copy-source": `/${bucket}/owner-src`, "x-amz-source-expected-bucket-owner": wrong },
    });
    expect(copy.status).toBe(403);
    expect(await objectExists("owner-copy")).toBe(false);
    const list = await signedFetch(`${server.endpoint}/${bucket}?list-type=2`, { headers: { "x-amz-expected-bucket-owner": wrong } });
    expect(list.status).toBe(403);
    const right = await signedFetch(`${server.endpoint}/${bucket}?list-type=2`, { headers: { "x-amz-expected-bucket-owner": owner } });
    expect(right.status).toBe(200);
  });
});

describe.skipIf(!hasAwsCli)("the security issue's reproductions, with the AWS CLI v2", () => {
  const aws = awsCli(() => server.endpoint, () => work);
  const file = () => {
    const path = join(work, "secret.txt");
    writeFileSync(path, "top secret");
    return path;
  };

  test("SSE-C put-object is done for real: get-object without the key is refused", async () => {
    const r = await aws("s3api", "put-object", "--bucket", bucket, "--key", "ssec", "--body", file(),
      "--sse-customer-algorithm", "AES256", "--sse-customer-key", "0123456789abcdef0123456789abcdef");
    expect(r.code).toBe(0);
    const get = await aws("s3api", "get-object", "--bucket", bucket, "--key", "ssec", join(work, "ssec.out"));
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain("(InvalidRequest)");
  });

  test("object lock: refused on a bucket without it (nothing stored); create-bucket --object-lock-enabled-for-bucket gives it for real", async () => {
    const put = await aws("s3api", "put-object", "--bucket", bucket, "--key", "locked", "--body", file(),
      "--object-lock-mode", "COMPLIANCE", "--object-lock-retain-until-date", "2030-01-01T00:00:00Z");
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain("InvalidRequest");
    expect(await objectExists("locked")).toBe(false);
    const name = bucketName("locked");
    const mb = await aws("s3api", "create-bucket", "--bucket", name, "--object-lock-enabled-for-bucket");
    expect(mb.code).toBe(0);
    const config = await aws("s3api", "get-object-lock-configuration", "--bucket", name);
    expect(JSON.parse(config.stdout).ObjectLockConfiguration.ObjectLockEnabled).toBe("Enabled");
  });

  test("--server-side-encryption AES256 and aws:kms are given and confirmed; aws:kms:dsse is refused and stores nothing", async () => {
    const aes = await aws("s3api", "put-object", "--bucket", bucket, "--key", "sse-AES256", "--body", file(), "--server-side-encryption", "AES256");
    expect(aes.code).toBe(0);
    expect(JSON.parse(aes.stdout).ServerSideEncryption).toBe("AES256");
    const kms = await aws("s3api", "put-object", "--bucket", bucket, "--key", "sse-kms", "--body", file(), "--server-side-encryption", "aws:kms");
    expect(kms.code).toBe(0);
    expect(JSON.parse(kms.stdout)).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: expect.stringMatching(/^arn:aws:kms:/) });
    const dsse = await aws("s3api", "put-object", "--bucket", bucket, "--key", "sse-dsse", "--body", file(), "--server-side-encryption", "aws:kms:dsse");
    expect(dsse.code).not.toBe(0);
    expect(dsse.stderr).toContain("NotImplemented");
    expect(await objectExists("sse-dsse")).toBe(false);
  });
});

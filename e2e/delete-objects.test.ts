// DeleteObjects through the AWS SDK (which proves the body with a CRC32 checksum) and with raw
// requests (Content-MD5, malformed bodies).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("del");
beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
const keysLeft = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((c) => c.Key!);
const md5 = (s: string) => new Bun.CryptoHasher("md5").update(s).digest("base64");
const post = (xml: string, headers: Record<string, string> = { "content-md5": md5(xml) }) =>
  signedFetch(`${server.endpoint}/${bucket}?delete`, { method: "POST", body: xml, headers });

describe("DeleteObjects", () => {
  test("deletes the keys and reports each, including keys that did not exist", async () => {
    for (const k of ["d1", "d2", "keep"]) await put(k);
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "d1" }, { Key: "d2" }, { Key: "never" }] } }));
    expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(["d1", "d2", "never"]);
    expect(res.Errors).toBeUndefined();
    expect(await keysLeft()).toEqual(["keep"]);
  });

  test("Quiet mode reports only errors", async () => {
    await put("q1");
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Quiet: true, Objects: [{ Key: "q1" }, { Key: "x".repeat(1100) }] } }));
    expect(res.Deleted).toBeUndefined();
    expect(res.Errors?.map((e) => e.Code)).toEqual(["KeyTooLongError"]);
  });

  test("1000 keys at once", async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `many/${i}`);
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < keys.length) await put(keys[next++]!);
    }));
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect(res.Deleted?.length).toBe(1000);
    expect((await keysLeft()).filter((k) => k.startsWith("many/"))).toEqual([]);
  });

  test("keys with XML special characters and spaces survive the round trip", async () => {
    const odd = ["a&b<c>", " spaced key ", "quote\"'"];
    for (const k of odd) await put(k);
    const res = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: odd.map((Key) => ({ Key })) } }));
    expect(res.Deleted?.map((d) => d.Key).sort()).toEqual([...odd].sort());
    expect((await keysLeft()).filter((k) => odd.includes(k))).toEqual([]);
  });

  test("with Content-MD5: a correct digest deletes, a wrong one is BadDigest and deletes nothing", async () => {
    await put("m1");
    const xml = "<Delete><Object><Key>m1</Key></Object></Delete>";
    const bad = await post(xml, { "content-md5": md5("something else") });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("<Code>BadDigest</Code>");
    expect(await keysLeft()).toContain("m1");
    const ok = await post(xml);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("<Deleted><Key>m1</Key></Deleted>");
  });

  test("without Content-MD5 or a checksum it is refused", async () => {
    const res = await post("<Delete><Object><Key>m1</Key></Object></Delete>", {});
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidRequest</Code>");
  });

  test.each([
    ["not XML", "this is not xml"],
    ["unclosed", "<Delete><Object><Key>a</Key></Object>"],
    ["no objects", "<Delete></Delete>"],
    ["a DTD", '<!DOCTYPE d [<!ENTITY x "y">]><Delete><Object><Key>&x;</Key></Object></Delete>'],
    ["1001 keys", `<Delete>${"<Object><Key>k</Key></Object>".repeat(1001)}</Delete>`],
  ])("a body with %s is MalformedXML, with Content-MD5 or without", async (_label, xml) => {
    for (const headers of [undefined, {}]) {
      const res = await post(xml, headers);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("<Code>MalformedXML</Code>");
    }
  });

  test("a missing bucket is NoSuchBucket", async () => {
    expect(await s3ErrorCode(s3.send(new DeleteObjectsCommand({ Bucket: bucketName("nob"), Delete: { Objects: [{ Key: "k" }] } })))).toBe("NoSuchBucket");
  });
});

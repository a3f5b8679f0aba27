// POST Object (browser uploads) with forms signed by @aws-sdk/s3-presigned-post's createPresignedPost
// and by hand (SigV4 and SigV2 policies): each success_action_*, ${filename}, every condition kind
// passing and failing, field order, expired policies, wrong signatures, extra fields, over/under
// size, anonymous POSTs allowed and refused — each with S3's error code and nothing stored on a refusal.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, PutBucketAclCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { bucketName, s3Status } from "./helpers/clients.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(60_000);
const ADMIN = "post-admin-token";
const fx = serverWithBucket("post", { env: { BLEEPSTORE_ADMIN_TOKEN: ADMIN } });

/** Posts `fields` (in this order) and then the file, as a browser's form does. */
async function post(fields: Record<string, string>, file: { name?: string; body: string | Uint8Array; type?: string }, bucket = fx.bucket, extraAfter: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new Blob([file.body], { type: file.type ?? "application/octet-stream" }), file.name ?? "upload.bin");
  for (const [k, v] of Object.entries(extraAfter)) form.append(k, v);
  return fetch(`${fx.server.endpoint}/${bucket}`, { method: "POST", body: form, redirect: "manual" });
}
const code = async (res: Response) => /<Code>([^<]+)<\/Code>/.exec(await res.text())?.[1];
const exists = async (key: string, bucket = fx.bucket) => (await s3Status(fx.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) === 200;
const presigned = (Key: string, extra: Parameters<typeof createPresignedPost>[1] extends infer P ? Partial<P> : never = {}) =>
  createPresignedPost(fx.s3, { Bucket: fx.bucket, Key, Expires: 600, ...extra });

/** A SigV4 POST policy signed by hand (boto3-style). */
function signV4(conditions: unknown[], expiration = new Date(Date.now() + 600_000)) {
  const date = new Date().toISOString().replace(/[-:]/g, "").slice(0, 8);
  const credential = `${ACCESS_KEY}/${date}/us-east-1/s3/aws4_request`;
  const amzDate = `${date}T000000Z`;
  const policy = Buffer.from(JSON.stringify({
    expiration: expiration.toISOString(),
    conditions: [...conditions, { "x-amz-algorithm": "AWS4-HMAC-SHA256" }, { "x-amz-credential": credential }, { "x-amz-date": amzDate }],
  })).toString("base64");
  const k = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
  const signing = k(k(k(k(`AWS4${SECRET_KEY}`, date), "us-east-1"), "s3"), "aws4_request");
  return { policy, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": credential, "x-amz-date": amzDate, "x-amz-signature": createHmac("sha256", signing).update(policy).digest("hex") };
}

describe("POST Object", () => {
  test("createPresignedPost: the file arrives byte-exact with its content type and metadata; 204 by default", async () => {
    const { fields } = await presigned("docs/hello.txt", {
      Fields: { "Content-Type": "text/plain", "x-amz-meta-origin": "browser" },
      Conditions: [["eq", "$Content-Type", "text/plain"], ["eq", "$x-amz-meta-origin", "browser"]],
    });
    const res = await post(fields, { body: "hello from a form", type: "text/plain" });
    expect(res.status).toBe(204);
    expect(res.headers.get("etag")).toBe(`"${new Bun.CryptoHasher("md5").update("hello from a form").digest("hex")}"`);
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "docs/hello.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello from a form");
    expect(got.ContentType).toBe("text/plain");
    expect(got.Metadata).toEqual({ origin: "browser" });
  });

  test("the upload's event is s3:ObjectCreated:Post (a PutObject's stays :Put)", async () => {
    const { fields } = await presigned("events/posted");
    expect((await post(fields, { body: "posted" })).status).toBe(204);
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "events/put", Body: "put" }));
    const res = await fetch(`${fx.server.endpoint}/_bleepstore/admin/events?after=0&limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const { events } = await res.json() as { events: Array<{ type: string; data: { bucket: string; key: string; eventName: string } }> };
    const created = (key: string) => events.filter((e) => e.type === "object.created" && e.data.bucket === fx.bucket && e.data.key === key).map((e) => e.data.eventName);
    expect(created("events/posted")).toEqual(["s3:ObjectCreated:Post"]);
    expect(created("events/put")).toEqual(["s3:ObjectCreated:Put"]);
  });

  test("${filename}, success_action_status 201 (PostResponse) and 200, success_action_redirect (303), fields after the file ignored", async () => {
    const { fields } = await presigned("in/${filename}", { Fields: { success_action_status: "201" } });
    const res = await post(fields, { name: "photo.jpg", body: "jpg" }, fx.bucket, { "x-amz-meta-late": "ignored" });
    expect(res.status).toBe(201);
    const xml = await res.text();
    expect(xml).toContain("<PostResponse");
    expect(xml).toContain("<Key>in/photo.jpg</Key>");
    expect(xml).toContain(`<Bucket>${fx.bucket}</Bucket>`);
    expect((await fx.s3.send(new HeadObjectCommand({ Bucket: fx.bucket, Key: "in/photo.jpg" }))).Metadata).toEqual({});
    const ok = await presigned("s200", { Fields: { success_action_status: "200" } });
    expect((await post(ok.fields, { body: "x" })).status).toBe(200);
    const redirect = await presigned("redir", { Fields: { success_action_redirect: "http://127.0.0.1:9/done?x=1" } });
    const r = await post(redirect.fields, { body: "x" });
    expect(r.status).toBe(303);
    const location = new URL(r.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("http://127.0.0.1:9/done");
    expect([location.searchParams.get("x"), location.searchParams.get("bucket"), location.searchParams.get("key")]).toEqual(["1", fx.bucket, "redir"]);
    expect(location.searchParams.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
  });

  test("content-length-range: over → EntityTooLarge, under → EntityTooSmall, nothing stored", async () => {
    const { fields } = await presigned("sized", { Conditions: [["content-length-range", 5, 10]] });
    const over = await post(fields, { body: "x".repeat(11) });
    expect([over.status, await code(over)]).toEqual([400, "EntityTooLarge"]);
    const under = await post(fields, { body: "x".repeat(4) });
    expect([under.status, await code(under)]).toEqual([400, "EntityTooSmall"]);
    expect(await exists("sized")).toBe(false);
    expect((await post(fields, { body: "x".repeat(7) })).status).toBe(204);
  });

  test("Content-MD5 and x-amz-checksum-* fields checked as a PUT's headers: a mismatch is BadDigest and stores nothing", async () => {
    const body = "checked bytes";
    const md5 = createHash("md5").update(body).digest("base64");
    const good = await presigned("md5/good", { Fields: { "Content-MD5": md5 } });
    expect((await post(good.fields, { body })).status).toBe(204);
    expect(await exists("md5/good")).toBe(true);
    const bad = await presigned("md5/bad", { Fields: { "Content-MD5": createHash("md5").update("other").digest("base64") } });
    const refused = await post(bad.fields, { body });
    expect([refused.status, await code(refused)]).toEqual([400, "BadDigest"]);
    expect(await exists("md5/bad")).toBe(false);

    const sha256 = createHash("sha256").update(body).digest("base64");
    const sum = await presigned("sum/good", { Fields: { "x-amz-checksum-sha256": sha256 } });
    const stored = await post(sum.fields, { body });
    expect(stored.status).toBe(204);
    expect(stored.headers.get("x-amz-checksum-sha256")).toBe(sha256);
    expect((await fx.s3.send(new HeadObjectCommand({ Bucket: fx.bucket, Key: "sum/good", ChecksumMode: "ENABLED" }))).ChecksumSHA256).toBe(sha256);
    const wrong = await presigned("sum/bad", { Fields: { "x-amz-checksum-sha256": createHash("sha256").update("other").digest("base64") } });
    const mismatch = await post(wrong.fields, { body });
    expect([mismatch.status, await code(mismatch)]).toEqual([400, "BadDigest"]);
    expect(await exists("sum/bad")).toBe(false);
    // The algorithm alone: computed and kept.
    const asked = await presigned("sum/asked", { Fields: { "x-amz-checksum-algorithm": "CRC32" } });
    const computed = await post(asked.fields, { body });
    expect(computed.status).toBe(204);
    expect(computed.headers.get("x-amz-checksum-crc32")).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });

  test("conditions failing, an extra field, an expired policy, a wrong signature: AccessDenied or SignatureDoesNotMatch, nothing stored", async () => {
    const startsWith = await presigned("user/a/file", { Conditions: [["starts-with", "$key", "user/a/"]] });
    const wrongKey = await post({ ...startsWith.fields, key: "user/b/file" }, { body: "x" });
    expect([wrongKey.status, await code(wrongKey)]).toEqual([403, "AccessDenied"]);
    const eq = await presigned("eq-file", { Fields: { "Content-Type": "image/png" } });
    const wrongType = await post({ ...eq.fields, "Content-Type": "text/html" }, { body: "x" });
    expect(await wrongType.text()).toContain("Invalid according to Policy: Policy Condition failed");
    const extra = await post({ ...eq.fields, "x-amz-meta-sneaky": "1" }, { body: "x" });
    expect(await extra.text()).toContain("Extra input fields: x-amz-meta-sneaky");
    const expired = signV4([{ bucket: fx.bucket }, ["starts-with", "$key", ""]], new Date(Date.now() - 1000));
    const late = await post({ key: "late", ...expired }, { body: "x" });
    expect(await late.text()).toContain("Invalid according to Policy: Policy expired.");
    const good = signV4([{ bucket: fx.bucket }, ["starts-with", "$key", ""]]);
    const forged = await post({ key: "forged", ...good, "x-amz-signature": "0".repeat(64) }, { body: "x" });
    expect([forged.status, await code(forged)]).toEqual([403, "SignatureDoesNotMatch"]);
    for (const key of ["user/b/file", "eq-file", "late", "forged"]) expect(await exists(key)).toBe(false);
    // x-ignore- fields need no condition; field order does not matter before the file.
    const { policy, ...rest } = good;
    expect((await post({ "x-ignore-note": "free", ...rest, key: "ordered", policy }, { body: "ok" })).status).toBe(204);
  });

  test("a hand-signed SigV4 form with tagging (XML) and a canned ACL; SigV2 (AWSAccessKeyId, signature)", async () => {
    const tagging = "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>";
    const v4 = signV4([{ bucket: fx.bucket }, { key: "tagged" }, { tagging }, { acl: "private" }]);
    expect((await post({ key: "tagged", tagging, acl: "private", ...v4 }, { body: "t" })).status).toBe(204);
    expect((await fx.s3.send(new GetObjectTaggingCommand({ Bucket: fx.bucket, Key: "tagged" }))).TagSet).toEqual([{ Key: "k", Value: "v" }]);
    const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 60_000).toISOString(), conditions: [{ bucket: fx.bucket }, { key: "v2" }] })).toString("base64");
    const signature = createHmac("sha1", SECRET_KEY).update(policy).digest("base64");
    expect((await post({ key: "v2", AWSAccessKeyId: ACCESS_KEY, policy, signature }, { body: "two" })).status).toBe(204);
    expect(await (await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "v2" }))).Body!.transformToString()).toBe("two");
  });

  test("x-amz-server-side-encryption and x-amz-storage-class fields: stored encrypted (SSE-S3), read back byte-exact", async () => {
    const { fields } = await presigned("sse/form", { Fields: { "x-amz-server-side-encryption": "AES256", "x-amz-storage-class": "STANDARD" } });
    const res = await post(fields, { body: "secret by form" });
    expect(res.status).toBe(204);
    expect(res.headers.get("x-amz-server-side-encryption")).toBe("AES256");
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "sse/form" }));
    expect(got.ServerSideEncryption).toBe("AES256");
    expect(await got.Body!.transformToString()).toBe("secret by form");
  });

  test("SSE-KMS fields (aws:kms, a key id, a context): stored under the key manager's key, read back; an unknown key refused, nothing stored", async () => {
    const context = Buffer.from(JSON.stringify({ form: "yes" })).toString("base64");
    const sse = { "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": "alias/aws/s3", "x-amz-server-side-encryption-context": context };
    const { fields } = await presigned("sse/kms-form", { Fields: sse });
    const res = await post(fields, { body: "kms by form" });
    expect(res.status).toBe(204);
    expect(res.headers.get("x-amz-server-side-encryption")).toBe("aws:kms");
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "sse/kms-form" }));
    expect(got.SSEKMSKeyId).toBe(res.headers.get("x-amz-server-side-encryption-aws-kms-key-id")!);
    expect(await got.Body!.transformToString()).toBe("kms by form");
    const unknown = await presigned("sse/kms-unknown", { Fields: { ...sse, "x-amz-server-side-encryption-aws-kms-key-id": "alias/none" } });
    const refused = await post(unknown.fields, { body: "x" });
    expect([refused.status, await code(refused)]).toEqual([400, "KMS.NotFoundException"]);
    expect(await exists("sse/kms-unknown")).toBe(false);
  });

  test("missing fields: key, the file, the signature; a form that is not multipart — each refused with S3's error, nothing stored", async () => {
    const { fields } = await presigned("missing");
    const { key: _key, ...noKey } = fields;
    const keyless = await post(noKey, { body: "x" });
    expect([keyless.status, await code(keyless)]).toEqual([400, "InvalidArgument"]);
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    const fileless = await fetch(`${fx.server.endpoint}/${fx.bucket}`, { method: "POST", body: form });
    expect([fileless.status, await code(fileless)]).toEqual([400, "InvalidArgument"]);
    const { "X-Amz-Signature": _sig, ...unsigned } = fields;
    const unsignedRes = await post(unsigned, { body: "x" });
    expect([unsignedRes.status, await code(unsignedRes)]).toEqual([400, "InvalidArgument"]);
    const plain = await fetch(`${fx.server.endpoint}/${fx.bucket}`, { method: "POST", body: new URLSearchParams(fields) });
    expect([plain.status, await code(plain)]).toEqual([412, "PreconditionFailed"]);
    expect(await exists("missing")).toBe(false);
  });

  test("virtual-hosted style: the form posted to bucket.localhost stores the file in that bucket", async () => {
    const { fields } = await presigned("vhost/file");
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", new Blob(["by host"]), "f.txt");
    const host = `${fx.bucket}.localhost:${new URL(fx.server.endpoint).port}`;
    const res = await fetch(`${fx.server.endpoint}/`, { method: "POST", body: form, headers: { host } });
    expect(res.status).toBe(204);
    expect(await (await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "vhost/file" }))).Body!.transformToString()).toBe("by host");
  });

  test("anonymous POST: refused on a private bucket, allowed where the ACL lets everyone write", async () => {
    const refused = await post({ key: "anon" }, { body: "a" });
    expect([refused.status, await code(refused)]).toEqual([403, "AccessDenied"]);
    expect(await exists("anon")).toBe(false);
    const open = bucketName("postopen");
    await fx.s3.send(new CreateBucketCommand({ Bucket: open }));
    await fx.s3.send(new PutBucketAclCommand({ Bucket: open, ACL: "public-read-write" }));
    // Written by nobody in particular: readable as its ACL says (public-read here), as in S3.
    expect((await post({ key: "anon", acl: "public-read" }, { body: "a" }, open)).status).toBe(204);
    expect(await (await fetch(`${fx.server.endpoint}/${open}/anon`)).text()).toBe("a");
  });
});

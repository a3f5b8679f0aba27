// The web console's session API and its S3 door (/_bleepstore/console), against a real server: sign in
// with a good and a bad pair, the cookie's flags, failed sign-ins limited, the CSRF token and the
// origin required on every state-changing call, signing out ends the cookie, and the S3 calls act as
// the signed-in key (a key with the readonly policy reads as it would signed, and is refused writes).
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { ACCESS_KEY, SECRET_KEY, startServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(60_000);
const TOKEN = "console-admin-token";
const fx = serverWithBucket("console", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
const url = (path: string) => `${fx.server.endpoint}/_bleepstore/console${path}`;

async function signIn(accessKey = ACCESS_KEY, secretKey = SECRET_KEY) {
  const res = await fetch(url("/api/session"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKey, secretKey }) });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  return { res, cookie, body: res.ok ? await res.json() as { accessKey: string; csrf: string; expires: string } : await res.json() as { error: string } };
}

describe("console session API", () => {
  test("the page is served, and refuses to be framed", async () => {
    const page = await fetch(url("/"));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(await page.text()).toContain("<title>BleepStore console</title>");
  });

  test("sign in: a good pair sets an HttpOnly, SameSite=Strict cookie; a wrong secret is 401; who am I; sign out ends the cookie", async () => {
    for (const body of ["not json", "null", "[1]", "{\"accessKey\": 1, \"secretKey\": \"x\"}"]) {
      const res = await fetch(url("/api/session"), { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status).toBe(400);
      expect((await res.json() as { error: string }).error).toMatch(/accessKey/);
    }
    const bad = await signIn(ACCESS_KEY, "wrong");
    expect(bad.res.status).toBe(401);
    expect(bad.res.headers.get("set-cookie")).toBeNull();
    const good = await signIn();
    expect(good.res.status).toBe(200);
    const flags = good.res.headers.get("set-cookie")!;
    expect(flags).toContain("HttpOnly");
    expect(flags).toContain("SameSite=Strict");
    expect(flags).toContain("Path=/_bleepstore/console");
    expect(flags).not.toContain("Secure"); // plain HTTP here; under TLS the cookie is Secure
    const me = await fetch(url("/api/session"), { headers: { cookie: good.cookie } });
    expect(await me.json()).toMatchObject({ accessKey: ACCESS_KEY, csrf: (good.body as { csrf: string }).csrf });
    // Sign-out needs the CSRF token too.
    expect((await fetch(url("/api/session"), { method: "DELETE", headers: { cookie: good.cookie } })).status).toBe(403);
    const out = await fetch(url("/api/session"), { method: "DELETE", headers: { cookie: good.cookie, "x-bleepstore-csrf": (good.body as { csrf: string }).csrf } });
    expect(out.status).toBe(204);
    expect((await fetch(url("/api/session"), { headers: { cookie: good.cookie } })).status).toBe(401);
    expect((await fetch(url("/s3/"), { headers: { cookie: good.cookie } })).status).toBe(401);
    // A forged or altered cookie is nobody's.
    expect((await fetch(url("/api/session"), { headers: { cookie: `${good.cookie}x` } })).status).toBe(401);
  });

  test("the S3 door acts as the key: lists and reads; a write needs the CSRF token and this origin", async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "<img src=x onerror=alert(1)>", Body: "as text" }));
    const { cookie, body } = await signIn();
    const csrf = (body as { csrf: string }).csrf;
    const list = await fetch(url("/s3/"), { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(`<Name>${fx.bucket}</Name>`);
    const objects = await (await fetch(url(`/s3/${fx.bucket}?list-type=2`), { headers: { cookie } })).text();
    expect(objects).toContain("<Key>&lt;img src=x onerror=alert(1)&gt;</Key>");
    const put = (headers: Record<string, string>) => fetch(url(`/s3/${fx.bucket}/from-console.txt`), { method: "PUT", body: "hello", headers: { cookie, ...headers } });
    expect((await put({})).status).toBe(403);
    expect((await put({ "x-bleepstore-csrf": "nope" })).status).toBe(403);
    expect((await put({ "x-bleepstore-csrf": csrf, origin: "http://evil.example" })).status).toBe(403);
    expect((await put({ "x-bleepstore-csrf": csrf, origin: fx.server.endpoint })).status).toBe(200);
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "from-console.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
  });

  test("a key with the built-in readonly policy reads through the console (as with a signed client) and is refused every write", async () => {
    const created = await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ displayName: "reader", policy: "readonly" }),
    });
    const reader = await created.json() as { accessKey: string; secretKey: string };
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "for-readers.txt", Body: "read me" }));
    const { cookie, body } = await signIn(reader.accessKey, reader.secretKey);
    const csrf = (body as { csrf: string }).csrf;
    const viaConsole = await fetch(url(`/s3/${fx.bucket}/for-readers.txt`), { headers: { cookie } });
    const signed = await awsClient(fx.server.endpoint, { accessKeyId: reader.accessKey, secretAccessKey: reader.secretKey })
      .send(new GetObjectCommand({ Bucket: fx.bucket, Key: "for-readers.txt" }));
    expect([viaConsole.status, await viaConsole.text()]).toEqual([200, await signed.Body!.transformToString()]);
    for (const [method, path] of [["PUT", `/s3/${fx.bucket}/by-reader.txt`], ["PUT", `/s3/${bucketName("by-reader")}`], ["DELETE", `/s3/${fx.bucket}/for-readers.txt`]] as const) {
      const res = await fetch(url(path), { method, headers: { cookie, "x-bleepstore-csrf": csrf }, ...(method === "PUT" ? { body: "x" } : {}) });
      expect([method, path, res.status, (await res.text()).includes("<Code>AccessDenied</Code>")]).toEqual([method, path, 403, true]);
    }
    expect((await fx.s3.send(new GetObjectCommand({ Bucket: fx.bucket, Key: "for-readers.txt" }))).ETag).toBeDefined();
  });

  test("share links: a presigned GET signed with the session's key; the expiry bounded to 7 days; CSRF required", async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "shared/a b+c.txt", Body: "shared body" }));
    const { cookie, body } = await signIn();
    const csrf = (body as { csrf: string }).csrf;
    const share = (payload: unknown, headers: Record<string, string> = { "x-bleepstore-csrf": csrf }) =>
      fetch(url("/api/share"), { method: "POST", headers: { cookie, "content-type": "application/json", ...headers }, body: JSON.stringify(payload) });
    expect((await share({ bucket: fx.bucket, key: "shared/a b+c.txt", expiresSeconds: 60 }, {})).status).toBe(403);
    expect((await share({ bucket: fx.bucket, key: "shared/a b+c.txt", expiresSeconds: 8 * 86_400 })).status).toBe(400);
    const made = await share({ bucket: fx.bucket, key: "shared/a b+c.txt", expiresSeconds: 60 });
    const { url: link } = await made.json() as { url: string };
    expect(link).toContain(`X-Amz-Credential=${ACCESS_KEY}%2F`);
    const got = await fetch(link);
    expect([got.status, await got.text()]).toEqual([200, "shared body"]);
    // Altered, it is refused.
    expect((await fetch(link.replace("X-Amz-Expires=60", "X-Amz-Expires=600"))).status).toBe(403);
  });

  test("an object read through the door is a sandboxed document (an uploaded HTML page runs no script on the console's origin), never sniffed; the script has no inline part", async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "page.html", Body: "<script>parent.x=1</script>", ContentType: "text/html" }));
    const { cookie } = await signIn();
    const res = await fetch(url(`/s3/${fx.bucket}/page.html`), { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const page = await fetch(url("/"));
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self';");
    expect(await page.text()).not.toMatch(/<script>/);
    const script = await fetch(url("/app.js"));
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await script.text()).length).toBeGreaterThan(1000);
  });

  test("bucket statistics: objects and bytes of the key's own buckets, for a signed-in key only", async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "stats/one", Body: "12345" }));
    expect((await fetch(url("/api/bucket-stats"))).status).toBe(401);
    const { cookie } = await signIn();
    const stats = await (await fetch(url("/api/bucket-stats"), { headers: { cookie } })).json() as { buckets: Array<{ bucket: string; objects: number; bytes: number }> };
    const mine = stats.buckets.find((b) => b.bucket === fx.bucket)!;
    expect(mine.objects).toBeGreaterThanOrEqual(1);
    expect(mine.bytes).toBeGreaterThanOrEqual(5);
  });

  test("failed sign-ins are limited: the sixth within a minute is 429, even with the right secret", async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(ACCESS_KEY, `wrong-${i}`)).res.status).toBe(401);
    const limited = await signIn();
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get("set-cookie")).toBeNull();
  });

  test("console.port: the console alone on its own port (its root leads to it), and not on the S3 port", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = probe.port!;
    probe.stop(true);
    await using server = await startServer({ args: ["--log-level", "info"], env: { BLEEPSTORE_CONSOLE_PORT: String(port) } });
    const consoleUrl = `http://127.0.0.1:${port}/_bleepstore/console`;
    await until(() => server.logs().includes(`"console":"${consoleUrl}/"`), "the start-up log line naming the console");
    expect((await fetch(`${consoleUrl}/`)).status).toBe(200);
    const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
    expect([root.status, root.headers.get("location")]).toEqual([302, "/_bleepstore/console/"]);
    const signIn = await fetch(`${consoleUrl}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }) });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    expect((await fetch(`${consoleUrl}/s3/`, { headers: { cookie } })).status).toBe(200);
    // The S3 port has no console: the path is S3's (no such bucket name can exist).
    const onS3 = await fetch(`${server.endpoint}/_bleepstore/console/`);
    expect(onS3.status).toBeGreaterThanOrEqual(400);
    expect(await onS3.text()).not.toContain("BleepStore console");
    // Nor does the S3 API answer on the console's port.
    expect((await fetch(`http://127.0.0.1:${port}/${fx.bucket}`)).status).toBe(404);
  });
});

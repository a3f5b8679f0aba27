// HTTPS with Bun.serve's own TLS (a self-signed certificate made with Debian's openssl, trusted by the
// AWS CLI through --ca-bundle), and key pairs from the command line: `bleepstore key create` → the
// new key works with the AWS CLI → `key disable`/`enable` → `key revoke` → InvalidAccessKeyId; `key list` and
// `status`; the console's session cookie is Secure under TLS.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { requires, unless } from "./helpers/requires.ts";
import { ACCESS_KEY, EXTERNAL_ENDPOINT, runCli, SECRET_KEY, startServer } from "./helpers/server.ts";

setDefaultTimeout(90_000);
const work = mkdtempSync(join(tmpdir(), "bleepstore-tls-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hasOpenssl = requires("openssl", unless(spawnSync("openssl", ["version"]).status === 0, "apt-get install openssl"));
requires("the AWS CLI v2 (/usr/bin/aws)", unless(hasAwsCli, "apt-get install awscli"));
const TOKEN = "tls-keys-admin-token";

describe.skipIf(!!EXTERNAL_ENDPOINT || !hasAwsCli || !hasOpenssl)("TLS and key pairs from the command line", () => {
  test("the AWS CLI works over https with --ca-bundle, and refuses the certificate without it", async () => {
    const cert = join(work, "cert.pem");
    const key = join(work, "key.pem");
    const made = spawnSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]);
    expect(made.status).toBe(0);
    await using server = await startServer({ env: { BLEEPSTORE_SERVER_TLS_CERT_FILE: cert, BLEEPSTORE_SERVER_TLS_KEY_FILE: key } });
    expect(server.endpoint).toStartWith("https://127.0.0.1:");
    const aws = awsCli(() => server.endpoint, () => work);
    expect((await aws("--ca-bundle", cert, "s3", "mb", "s3://over-tls")).code).toBe(0);
    writeFileSync(join(work, "hello.txt"), "hello over TLS");
    expect((await aws("--ca-bundle", cert, "s3", "cp", join(work, "hello.txt"), "s3://over-tls/hello.txt")).code).toBe(0);
    const down = await aws("--ca-bundle", cert, "s3", "cp", "s3://over-tls/hello.txt", "-");
    expect(down.stdout).toBe("hello over TLS");
    const untrusted = await aws("s3", "ls");
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/SSL|certificate/i);
    // The console's session cookie is Secure under TLS.
    const signIn = await fetch(`${server.endpoint}/_bleepstore/console/api/session`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }),
      tls: { ca: readFileSync(cert, "utf8") },
    } as RequestInit);
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    // Plain HTTP to the TLS port gets no S3 answer.
    expect(await fetch(server.endpoint.replace("https", "http")).then((r) => r.status, () => "refused")).not.toBe(200);
  });

  test("key create → the key works with the AWS CLI → key revoke → InvalidAccessKeyId; key list and status, as tables and --json", async () => {
    await using server = await startServer({ env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
    const env = { BLEEPSTORE_ADMIN_TOKEN: TOKEN };
    const endpoint = ["--endpoint", server.endpoint];
    const created = await runCli(["key", "create", "--name", "ci-robot", "--json", ...endpoint], { env });
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    const k = JSON.parse(created.out) as { accessKey: string; secretKey: string; displayName: string };
    expect(k.displayName).toBe("ci-robot");
    expect(k.secretKey.length).toBeGreaterThanOrEqual(32);

    let creds = { accessKeyId: k.accessKey, secretAccessKey: k.secretKey };
    const aws = awsCli(() => server.endpoint, () => work, () => creds);
    expect((await aws("s3", "mb", "s3://robot-bucket")).code).toBe(0);
    expect((await aws("s3", "ls")).stdout).toContain("robot-bucket");

    const list = await runCli(["key", "list", ...endpoint], { env });
    expect(list.out.split("\n")[0]).toMatch(/^ACCESS KEY\s+NAME\s+OWNER ID\s+CREATED\s+POLICY\s+STATE$/);
    expect(list.out).toMatch(new RegExp(`^${k.accessKey}\\s+ci-robot\\s`, "m"));
    expect(list.out).not.toContain(k.secretKey);
    const status = JSON.parse((await runCli(["status", "--json", ...endpoint], { env })).out) as { buckets: number; credentials: number; metadata: string };
    expect(status).toMatchObject({ buckets: 1, credentials: 2, metadata: "sqlite" });
    expect((await runCli(["status", ...endpoint], { env })).out).toMatch(/^buckets\s+1$/m);

    // Disabled: kept and listed, refused as an unknown key until enabled again.
    expect(await runCli(["key", "disable", k.accessKey, ...endpoint], { env })).toEqual({ code: 0, out: `disabled ${k.accessKey}\n`, err: "" });
    expect((await runCli(["key", "list", ...endpoint], { env })).out).toMatch(new RegExp(`^${k.accessKey}\\s.*\\sdisabled$`, "m"));
    expect((await aws("s3", "ls")).stderr).toContain("InvalidAccessKeyId");
    expect(await runCli(["key", "enable", k.accessKey, ...endpoint], { env })).toEqual({ code: 0, out: `enabled ${k.accessKey}\n`, err: "" });
    expect((await aws("s3", "ls")).stdout).toContain("robot-bucket");

    const revoked = await runCli(["key", "revoke", k.accessKey, ...endpoint], { env });
    expect(revoked).toEqual({ code: 0, out: `revoked ${k.accessKey}\n`, err: "" });
    const refused = await aws("s3", "ls");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("InvalidAccessKeyId");
    const again = await runCli(["key", "revoke", k.accessKey, ...endpoint], { env });
    expect(again.code).toBe(1);
    expect(again.err).toBe(`key revoke: no access key ${k.accessKey}\n`);
    creds = { accessKeyId: "x", secretAccessKey: "y" };

    const noToken = await runCli(["key", "list", ...endpoint]);
    expect(noToken.code).toBe(1);
    expect(noToken.err.trim().split("\n")).toHaveLength(1);
    expect(noToken.err).toContain("admin.token");
    const wrong = await runCli(["key", "list", ...endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: "wrong" } });
    expect(wrong.err).toContain("refused the token");
  });
});

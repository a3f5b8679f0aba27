// Access keys in the console (Chromium): a key made with the readonly policy, its secret shown once,
// used by the AWS CLI (reads pass, a write is AccessDenied), disabled (InvalidAccessKeyId) and enabled,
// deleted; a custom policy the server refuses shows the server's message; a key limited by a policy
// other than consoleAdmin cannot manage keys, through the page or the API.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { CHROMIUM, chromiumUnavailable, consoleArtifacts, launchChromium, signedInTab } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(120_000);
const ready = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable()) && requires("the AWS CLI v2 (/usr/bin/aws)", hasAwsCli ? undefined : "apt-get install awscli");
const fx = serverWithBucket("consolekeys");
const home = mkdtempSync(join(tmpdir(), "bleepstore-console-keys-"));
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!ready)("console: access keys", () => {
  test("a readonly key created, its secret shown once, used by the AWS CLI; disabled, enabled, deleted; a bad policy's message", async () => {
    await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "shared.txt", Body: "for readers" }));
    browser ??= await launchChromium();
    const { context, tab, dialogs, problems } = await signedInTab(browser, fx.server.endpoint, { accessKey: ACCESS_KEY, secretKey: SECRET_KEY });
    await tab.getByRole("button", { name: "Access keys", exact: true }).click();
    await tab.getByRole("button", { name: `Disable ${ACCESS_KEY}`, exact: true }).waitFor();
    // A custom policy the server refuses: its message, and no key made.
    await tab.getByLabel("Key policy", { exact: true }).selectOption("custom");
    await tab.getByLabel("Key policy JSON").fill("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}");
    await tab.getByRole("button", { name: "Create key" }).click();
    await tab.getByText(/Creating the key failed: .*Effect/).waitFor();
    // A readonly key.
    await tab.getByLabel("Key name").fill("reader");
    await tab.getByLabel("Key policy", { exact: true }).selectOption("readonly");
    await tab.getByRole("button", { name: "Create key" }).click();
    const region = tab.getByRole("region", { name: "New key" });
    await region.waitFor();
    const accessKey = (await tab.locator("#new-access-key").textContent())!;
    const secretKey = (await tab.locator("#new-secret-key").textContent())!;
    expect(secretKey.length).toBeGreaterThanOrEqual(32);
    const row = tab.getByRole("row").filter({ hasText: accessKey });
    await row.getByRole("cell", { name: "readonly", exact: true }).waitFor();
    await tab.screenshot({ path: join(consoleArtifacts(), "keys-1280.png"), fullPage: true });
    // Once: the list, and the page after leaving it, never show the secret again.
    await tab.getByRole("button", { name: "Buckets" }).first().click();
    await tab.getByRole("button", { name: "Access keys", exact: true }).click();
    await row.waitFor();
    expect(await tab.getByText(secretKey).count()).toBe(0);
    const aws = awsCli(() => fx.server.endpoint, () => home, () => ({ accessKeyId: accessKey, secretAccessKey: secretKey }));
    expect((await aws("s3", "cp", `s3://${fx.bucket}/shared.txt`, "-")).stdout).toBe("for readers");
    const write = await aws("s3api", "put-object", "--bucket", fx.bucket, "--key", "nope", "--body", "/etc/hostname");
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain("AccessDenied");
    await tab.getByRole("button", { name: `Disable ${accessKey}` }).click();
    await row.getByRole("cell", { name: "disabled", exact: true }).waitFor();
    expect((await aws("s3", "ls")).stderr).toContain("InvalidAccessKeyId");
    await tab.getByRole("button", { name: `Enable ${accessKey}` }).click();
    await row.getByRole("cell", { name: "enabled", exact: true }).waitFor();
    expect((await aws("s3", "ls")).code).toBe(0);
    await tab.getByRole("button", { name: `Delete ${accessKey}` }).click();
    await row.waitFor({ state: "detached" });
    expect((await aws("s3", "ls")).stderr).toContain("InvalidAccessKeyId");
    // The signed-in key cannot disable or delete itself.
    await tab.getByRole("button", { name: `Delete ${ACCESS_KEY}` }).click();
    await tab.getByText("cannot be disabled or deleted from its own session").waitFor();
    expect(dialogs).toEqual([`confirm: Delete the access key ${accessKey}? Clients using it are refused from now on.`, `confirm: Delete the access key ${ACCESS_KEY}? Clients using it are refused from now on.`]);
    expect(problems).toEqual([]);
    await context.close();

    // A readwrite key signs in, and is refused the keys page and the keys API.
    const made = await fetch(`${fx.server.endpoint}/_bleepstore/console/api/session`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }),
    });
    const admin = { cookie: made.headers.get("set-cookie")!.split(";")[0]!, csrf: ((await made.json()) as { csrf: string }).csrf };
    const writer = await (await fetch(`${fx.server.endpoint}/_bleepstore/console/api/keys`, {
      method: "POST", headers: { cookie: admin.cookie, "x-bleepstore-csrf": admin.csrf, "content-type": "application/json" },
      body: JSON.stringify({ displayName: "writer", policy: "readwrite" }),
    })).json() as { accessKey: string; secretKey: string };
    const limited = await signedInTab(browser, fx.server.endpoint, writer);
    await limited.tab.getByRole("button", { name: "Access keys", exact: true }).click();
    await limited.tab.getByText("Managing access keys needs a key without a policy of its own, or with consoleAdmin.").waitFor();
    await limited.context.close();
  });
});

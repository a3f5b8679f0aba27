// The web console as a person uses it, in Debian's headless Chromium driven by Playwright (locators by
// role and label): a wrong secret shows its error, the right one shows the key's buckets, signing out
// shows the form again and the old cookie is refused. Screenshots at 1280 and 360 px are kept in the
// directory the test prints (BLEEPSTORE_ARTIFACTS, or a temp one).
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, GetBucketVersioningCommand, GetObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { bucketName } from "./helpers/clients.ts";
import { CHROMIUM, chromiumUnavailable, consoleArtifacts, launchChromium } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(90_000);
const hasChromium = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable());
const fx = serverWithBucket("consolebrowser");
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)("web console in Chromium", () => {
  test("sign in (a wrong secret, then the right one), the buckets, sign out; at 1280 and 360 px", async () => {
    const second = bucketName("consolesecond");
    await fx.s3.send(new CreateBucketCommand({ Bucket: second }));
    browser ??= await launchChromium();
    const artifacts = consoleArtifacts();
    for (const width of [1280, 360]) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const tab = await context.newPage();
      const problems: string[] = [];
      tab.on("pageerror", (err) => problems.push(String(err)));
      await tab.goto(`${fx.server.endpoint}/_bleepstore/console/`);
      await tab.getByLabel("Access key", { exact: true }).fill(ACCESS_KEY);
      await tab.getByLabel("Secret key", { exact: true }).fill("not the secret");
      await tab.getByRole("button", { name: "Sign in" }).click();
      await tab.getByText("The access key or secret is wrong.").waitFor();
      await tab.screenshot({ path: join(artifacts, `sign-in-error-${width}.png`) });
      await tab.getByLabel("Secret key", { exact: true }).fill(SECRET_KEY);
      await tab.getByRole("button", { name: "Sign in" }).click();
      await tab.getByRole("heading", { name: "Buckets" }).waitFor();
      await tab.getByRole("cell", { name: fx.bucket, exact: true }).waitFor();
      await tab.getByRole("cell", { name: second, exact: true }).waitFor();
      expect(await tab.getByText(ACCESS_KEY, { exact: true }).isVisible()).toBe(true);
      await tab.screenshot({ path: join(artifacts, `buckets-${width}.png`), fullPage: true });
      const cookie = (await context.cookies()).find((c) => c.name === "bleepstore_console")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/_bleepstore/console" });
      await tab.getByRole("button", { name: "Sign out" }).click();
      await tab.getByRole("heading", { name: "Sign in" }).waitFor();
      const after = await fetch(`${fx.server.endpoint}/_bleepstore/console/api/session`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
      expect(after.status).toBe(401);
      expect(problems).toEqual([]);
      await context.close();
    }
    for (const name of ["sign-in-error-1280", "buckets-1280", "sign-in-error-360", "buckets-360"]) expect(statSync(join(artifacts, `${name}.png`)).size).toBeGreaterThan(1000);
  });

  test("versions: versioning turned on from the console, an older version restored, a version deleted after a confirmation", async () => {
    const bucket = bucketName("consoleversions");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    browser ??= await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    tab.on("dialog", (d) => void d.accept());
    await tab.goto(`${fx.server.endpoint}/_bleepstore/console/`);
    await tab.getByLabel("Access key", { exact: true }).fill(ACCESS_KEY);
    await tab.getByLabel("Secret key", { exact: true }).fill(SECRET_KEY);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByRole("button", { name: "Turn versioning on" }).click();
    await tab.getByRole("button", { name: "Suspend versioning" }).waitFor();
    expect((await fx.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const v1 = (await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "notes.txt", Body: "first" }))).VersionId!;
    const v2 = (await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "notes.txt", Body: "second" }))).VersionId!;
    await tab.getByRole("button", { name: "Search" }).click();
    await tab.getByRole("button", { name: "Versions of notes.txt" }).click();
    await tab.getByRole("cell", { name: `${v2} (current)` }).waitFor();
    await tab.getByRole("button", { name: `Restore version ${v1}` }).click();
    await tab.getByRole("button", { name: `Restore version ${v2}` }).waitFor();
    expect(await (await fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "notes.txt" }))).Body!.transformToString()).toBe("first");
    await tab.screenshot({ path: join(consoleArtifacts(), "versions-1280.png"), fullPage: true });
    await tab.getByRole("button", { name: `Delete version ${v2}` }).click();
    await tab.getByRole("button", { name: `Delete version ${v2}` }).waitFor({ state: "detached" });
    const left = (await fx.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions?.map((v) => v.VersionId);
    expect(left).toHaveLength(2);
    expect(left).not.toContain(v2);
    await context.close();
  });

  test("objects: folders and breadcrumb, search by prefix, three files uploaded (20 MiB multipart, its bar seen moving), download, a share link fetched by curl, delete; a key shaped like HTML stays text", async () => {
    const bucket = bucketName("consoleobjects");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "docs/readme.txt", Body: "inside a folder" }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "<img src=x onerror=alert(1)>", Body: "x" }));
    browser ??= await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    const dialogs: string[] = [];
    tab.on("dialog", (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.accept();
    });
    await tab.goto(`${fx.server.endpoint}/_bleepstore/console/`);
    await tab.getByLabel("Access key", { exact: true }).fill(ACCESS_KEY);
    await tab.getByLabel("Secret key", { exact: true }).fill(SECRET_KEY);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByRole("cell", { name: "<img src=x onerror=alert(1)>", exact: true }).waitFor();
    await tab.getByRole("button", { name: "docs/", exact: true }).click();
    await tab.getByRole("cell", { name: "readme.txt", exact: true }).waitFor();
    expect(await tab.getByRole("navigation", { name: "Breadcrumb" }).textContent()).toContain("docs");
    // Three files into docs/, one of them 20 MiB (multipart: three 8 MiB parts at most, in parallel).
    const big = Buffer.alloc(20 * 1024 * 1024, 7);
    // Watched from inside the page (a round trip per look from here could miss a fast upload).
    await tab.evaluate(`(() => {
      const seen = setInterval(() => {
        const bar = document.querySelector('progress[aria-label="Upload of docs/big.bin"]');
        if (bar && bar.value > 0 && bar.value < bar.max) { window.moving = true; clearInterval(seen); }
      }, 1);
    })()`);
    await tab.getByLabel("Upload files").setInputFiles([
      { name: "big.bin", mimeType: "application/octet-stream", buffer: big },
      { name: "a.txt", mimeType: "text/plain", buffer: Buffer.from("file a") },
      { name: "b.json", mimeType: "application/json", buffer: Buffer.from("{\"b\":1}") },
    ]);
    await tab.getByRole("cell", { name: "big.bin", exact: true }).waitFor({ timeout: 60_000 });
    expect(await tab.evaluate("window.moving === true")).toBe(true);
    for (const name of ["a.txt", "b.json"]) await tab.getByRole("cell", { name, exact: true }).waitFor();
    const got = await fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/big.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(big)).toBe(true);
    expect(got.ETag).toMatch(/-3"$/);
    expect(await (await fx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: "docs/b.json" }))).Body!.transformToString()).toBe("{\"b\":1}");
    // The download link is the object, for this session's cookie.
    const href = await tab.getByRole("link", { name: "Download docs/a.txt" }).getAttribute("href");
    const cookie = (await context.cookies()).find((c) => c.name === "bleepstore_console")!;
    expect(await (await fetch(new URL(href!, fx.server.endpoint), { headers: { cookie: `${cookie.name}=${cookie.value}` } })).text()).toBe("file a");
    // A share link with a chosen expiry, fetched by curl with no cookie and no key.
    await tab.getByRole("button", { name: "Share docs/readme.txt" }).click();
    await tab.getByLabel("Link expires in").selectOption("3600");
    await tab.getByRole("button", { name: "Make link" }).click();
    await tab.getByRole("status").filter({ hasText: "Valid until" }).waitFor();
    const link = await tab.getByLabel("Share link").inputValue();
    expect(link).toContain("X-Amz-Expires=3600");
    const curl = Bun.spawnSync(["curl", "-sS", "--fail", link]);
    expect([curl.exitCode, curl.stdout.toString()]).toEqual([0, "inside a folder"]);
    await tab.screenshot({ path: join(consoleArtifacts(), "objects-1280.png"), fullPage: true });
    // Delete asks first (accepted here), then the object is gone.
    await tab.getByRole("button", { name: "Delete docs/a.txt" }).click();
    await tab.getByRole("cell", { name: "a.txt", exact: true }).waitFor({ state: "detached" });
    expect(dialogs).toEqual(["confirm: Delete docs/a.txt?"]);
    expect((await fx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "docs/" }))).Contents?.map((c) => c.Key).sort()).toEqual(["docs/b.json", "docs/big.bin", "docs/readme.txt"]);
    // Search by prefix, from the bucket's top.
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByLabel("Search by prefix").fill("docs/b");
    await tab.getByRole("button", { name: "Search" }).click();
    await tab.getByRole("cell", { name: "big.bin", exact: true }).waitFor();
    await tab.getByRole("cell", { name: "b.json", exact: true }).waitFor();
    expect(await tab.getByRole("cell", { name: "readme.txt" }).count()).toBe(0);
    await context.close();
  });
});

// The web console as a person uses it, in Debian's headless Chromium driven by Playwright (locators by
// role and label): a wrong secret shows its error, the right one shows the key's buckets, signing out
// shows the form again and the old cookie is refused. Screenshots at 1280 and 360 px are kept in the
// directory the test prints (BLEEPSTORE_ARTIFACTS, or a temp one).
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { bucketName } from "./helpers/clients.ts";
import { CHROMIUM, chromiumUnavailable, launchChromium } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(90_000);
const hasChromium = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable());
const fx = serverWithBucket("consolebrowser");
const artifacts = process.env.BLEEPSTORE_ARTIFACTS ? join(process.env.BLEEPSTORE_ARTIFACTS, "console") : mkdtempSync(join(tmpdir(), "bleepstore-console-shots-"));
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)("web console in Chromium", () => {
  test("sign in (a wrong secret, then the right one), the buckets, sign out; at 1280 and 360 px", async () => {
    const second = bucketName("consolesecond");
    await fx.s3.send(new CreateBucketCommand({ Bucket: second }));
    browser ??= await launchChromium();
    mkdirSync(artifacts, { recursive: true });
    for (const width of [1280, 360]) {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      const tab = await context.newPage();
      const problems: string[] = [];
      tab.on("pageerror", (err) => problems.push(String(err)));
      await tab.goto(`${fx.server.endpoint}/_bleepstore/console/`);
      await tab.getByLabel("Access key").fill(ACCESS_KEY);
      await tab.getByLabel("Secret key").fill("not the secret");
      await tab.getByRole("button", { name: "Sign in" }).click();
      await tab.getByText("The access key or secret is wrong.").waitFor();
      await tab.screenshot({ path: join(artifacts, `sign-in-error-${width}.png`) });
      await tab.getByLabel("Secret key").fill(SECRET_KEY);
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
    console.log(`console screenshots: ${artifacts}`);
  });
});

// Accessibility of every console page, checked by axe-core (Deque's rules: labels, roles, names,
// contrast; WCAG 2 A and AA) in light and dark, at 1280 and 360 px (a screenshot of each kept); and the keyboard alone: sign in with
// Tab and Enter, open a bucket, the focus always visible.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, chromiumUnavailable, consoleArtifacts, launchChromium, signedInTab } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(180_000);
const hasChromium = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable());
const fx = serverWithBucket("consolea11y");
const AXE = readFileSync(join(import.meta.dir, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

/** axe's violations on the page as it is (evaluated through the debugger, so the page's CSP allows it); a screenshot of it kept. */
async function violations(tab: Page, shot: string): Promise<string[]> {
  await tab.screenshot({ path: join(consoleArtifacts(), `${shot}.png`), fullPage: true });
  if (!(await tab.evaluate("typeof axe !== 'undefined'"))) await tab.evaluate(AXE);
  const found = await tab.evaluate("axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))");
  return found as string[];
}

describe.skipIf(!hasChromium)("console accessibility", () => {
  for (const scheme of ["light", "dark"] as const) {
    for (const width of [1280, 360]) {
      test(`every page passes axe (${scheme}, ${width} px)`, async () => {
        await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: "docs/note.txt", Body: "a note", ContentType: "text/plain" }));
        browser ??= await launchChromium();
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const tab = await context.newPage();
        await tab.goto(`${fx.server.endpoint}/_bleepstore/console/`);
        await tab.getByRole("heading", { name: "Sign in" }).waitFor();
        const shot = (page: string) => `${page}-${scheme}-${width}`;
        const found: Record<string, string[]> = { "sign in": await violations(tab, shot("sign-in")) };
        await tab.getByLabel("Access key", { exact: true }).fill(ACCESS_KEY);
        await tab.getByLabel("Secret key", { exact: true }).fill(SECRET_KEY);
        await tab.getByRole("button", { name: "Sign in" }).click();
        await tab.getByRole("button", { name: fx.bucket, exact: true }).waitFor();
        found.buckets = await violations(tab, shot("buckets"));
        await tab.getByRole("button", { name: fx.bucket, exact: true }).click();
        await tab.getByRole("button", { name: "docs/", exact: true }).click();
        await tab.getByRole("button", { name: "Details of docs/note.txt" }).click();
        await tab.getByLabel("Preview of docs/note.txt").waitFor();
        await tab.getByRole("button", { name: "Versions of docs/note.txt" }).click();
        await tab.getByRole("button", { name: "Share docs/note.txt" }).click();
        found.objects = await violations(tab, shot("objects"));
        await tab.getByRole("button", { name: "Bucket settings" }).click();
        await tab.getByRole("button", { name: "Save tags" }).waitFor();
        found.settings = await violations(tab, shot("settings"));
        await tab.getByRole("button", { name: "Access keys", exact: true }).click();
        await tab.getByRole("button", { name: `Disable ${ACCESS_KEY}`, exact: true }).waitFor();
        found.keys = await violations(tab, shot("keys"));
        await tab.getByRole("button", { name: "Server", exact: true }).click();
        await tab.getByRole("row").filter({ hasText: "Metadata engine" }).waitFor();
        found.server = await violations(tab, shot("server"));
        await tab.getByRole("button", { name: "Events", exact: true }).click();
        found.events = await violations(tab, shot("events"));
        expect(found).toEqual({ "sign in": [], buckets: [], objects: [], settings: [], keys: [], server: [], events: [] });
        await context.close();
      });
    }
  }

  test("the keyboard alone: Tab to the fields, Enter signs in, Tab and Enter open a bucket; the focus is always drawn", async () => {
    browser ??= await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    await tab.goto(`${fx.server.endpoint}/_bleepstore/console/`);
    await tab.getByRole("heading", { name: "Sign in" }).waitFor();
    const focused = () => tab.evaluate("[document.activeElement.id || document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]") as Promise<[string, string]>;
    await tab.keyboard.press("Tab");
    expect(await focused()).toEqual(["ak", "solid"]);
    await tab.keyboard.type(ACCESS_KEY);
    await tab.keyboard.press("Tab");
    expect((await focused())[0]).toBe("sk");
    await tab.keyboard.type(SECRET_KEY);
    await tab.keyboard.press("Enter");
    await tab.getByRole("button", { name: fx.bucket, exact: true }).waitFor();
    for (let i = 0; i < 40 && (await focused())[0] !== fx.bucket; i++) {
      await tab.keyboard.press("Tab");
      expect((await focused())[1]).toBe("solid");
    }
    expect((await focused())[0]).toBe(fx.bucket);
    await tab.keyboard.press("Enter");
    await tab.getByRole("heading", { name: fx.bucket }).waitFor();
    await context.close();
  });
});

// Debian's Chromium driven by Playwright (playwright-core: no browser download), headless, with the
// flags this machine's closed network needs (no background connections), for tests that use a page
// as a person does: fill inputs, click, follow redirects.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { unless } from "./requires.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** Why Chromium cannot be driven here, if it cannot. */
export const chromiumUnavailable = () => unless(existsSync(CHROMIUM), "apt-get install chromium");

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * A new tab at `width` px signed in to the console of `endpoint`, accepting every dialog (their texts
 * collected in `dialogs`) and collecting the page's uncaught errors in `problems`.
 */
export async function signedInTab(browser: Browser, endpoint: string, credentials: { accessKey: string; secretKey: string }, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const tab = await context.newPage();
  const dialogs: string[] = [];
  const problems: string[] = [];
  tab.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.accept();
  });
  tab.on("pageerror", (err) => problems.push(String(err)));
  await tab.goto(`${endpoint}/_bleepstore/console/`);
  await tab.getByLabel("Access key", { exact: true }).fill(credentials.accessKey);
  await tab.getByLabel("Secret key", { exact: true }).fill(credentials.secretKey);
  await tab.getByRole("button", { name: "Sign in" }).click();
  await tab.getByRole("heading", { name: "Buckets" }).waitFor();
  return { context, tab, dialogs, problems };
}

let artifacts: string | undefined;

/** Where the console's screenshots are kept: e2e/artifacts/console (or under BLEEPSTORE_ARTIFACTS), printed once. */
export function consoleArtifacts(): string {
  if (!artifacts) {
    artifacts = join(process.env.BLEEPSTORE_ARTIFACTS ?? join(import.meta.dir, "..", "artifacts"), "console");
    mkdirSync(artifacts, { recursive: true });
    console.log(`console screenshots: ${artifacts}`);
  }
  return artifacts;
}

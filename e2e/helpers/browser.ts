// Debian's Chromium driven by Playwright (playwright-core: no browser download), headless, with the
// flags this machine's closed network needs (no background connections), for tests that use a page
// as a person does: fill inputs, click, follow redirects.
import { existsSync } from "node:fs";
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

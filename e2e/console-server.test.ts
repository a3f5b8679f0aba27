// The console's server page and event tail (Chromium): charts of this node's last hour once a sample
// is taken, the metadata engine and storage healthy, the configuration without its secrets; the tail
// shows an upload made by the AWS CLI, filtered by bucket; a readonly key is refused both pages.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { awsCli, hasAwsCli } from "./helpers/awscli.ts";
import { CHROMIUM, chromiumUnavailable, consoleArtifacts, launchChromium, signedInTab } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(120_000);
const ready = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable()) && requires("the AWS CLI v2 (/usr/bin/aws)", hasAwsCli ? undefined : "apt-get install awscli");
const TOKEN = "console-server-token";
const fx = serverWithBucket("consoleserver", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
const home = mkdtempSync(join(tmpdir(), "bleepstore-console-server-"));
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!ready)("console: server and events", () => {
  test("the server page: charts after a sample, healthy engines, the configuration without secrets", async () => {
    for (let i = 0; i < 20; i++) await fx.s3.send(new PutObjectCommand({ Bucket: fx.bucket, Key: `warm/${i}`, Body: "x".repeat(1000) }));
    browser ??= await launchChromium();
    const { context, tab, problems } = await signedInTab(browser, fx.server.endpoint, { accessKey: ACCESS_KEY, secretKey: SECRET_KEY });
    // A sample every 10 seconds: wait for the first one that saw the writes.
    await until(async () => {
      await tab.getByRole("button", { name: "Server", exact: true }).click();
      const text = await tab.locator("#charts").textContent();
      return /Requests: [1-9]/.test(text ?? "") || /Requests: 0\.[0-9]*[1-9]/.test(text ?? "");
    }, "a sample of the writes", 30_000);
    await tab.getByRole("img", { name: /^Requests: now / }).waitFor();
    await tab.getByRole("img", { name: /^p99 latency: now / }).waitFor();
    const health = tab.getByRole("row").filter({ hasText: "Metadata engine" });
    await health.getByRole("cell", { name: "ok", exact: true }).waitFor();
    await tab.getByRole("row").filter({ hasText: "Storage backend" }).getByRole("cell", { name: "ok", exact: true }).waitFor();
    await tab.getByText("Not in a cluster (cluster.enabled is false).").waitFor();
    const config = (await tab.getByLabel("Configuration").textContent())!;
    expect(JSON.parse(config).metadata.engine).toBe("sqlite");
    expect(config).not.toContain(SECRET_KEY);
    expect(config).not.toContain(TOKEN);
    await tab.screenshot({ path: join(consoleArtifacts(), "server-1280.png"), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  test("the event tail shows an upload made by the AWS CLI, filtered by bucket; a readonly key is refused the server's pages", async () => {
    browser ??= await launchChromium();
    const { context, tab, problems } = await signedInTab(browser, fx.server.endpoint, { accessKey: ACCESS_KEY, secretKey: SECRET_KEY });
    await tab.getByRole("button", { name: "Events", exact: true }).click();
    await tab.getByLabel("Only bucket").fill(fx.bucket);
    await tab.getByRole("button", { name: "Follow" }).click();
    await Bun.sleep(500);
    const file = join(home, "from-cli.txt");
    writeFileSync(file, "uploaded by the AWS CLI");
    const aws = awsCli(() => fx.server.endpoint, () => home);
    expect((await aws("s3", "cp", file, `s3://${fx.bucket}/cli/from-cli.txt`)).code).toBe(0);
    const log = tab.getByRole("log", { name: "Events, newest first" });
    await log.getByText(new RegExp(`object\\.created ${fx.bucket}/cli/from-cli\\.txt \\(23 bytes\\)`)).waitFor({ timeout: 30_000 });
    await tab.screenshot({ path: join(consoleArtifacts(), "events-1280.png"), fullPage: true });
    await tab.getByRole("button", { name: "Stop" }).click();
    expect(problems).toEqual([]);
    await context.close();

    const made = await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ policy: "readonly" }),
    });
    const reader = await made.json() as { accessKey: string; secretKey: string };
    const limited = await signedInTab(browser, fx.server.endpoint, reader);
    await limited.tab.getByRole("button", { name: "Server", exact: true }).click();
    await limited.tab.getByText("The server's page needs a key without a policy of its own, or with consoleAdmin.").waitFor();
    await limited.tab.getByRole("button", { name: "Events", exact: true }).click();
    await limited.tab.getByRole("button", { name: "Follow" }).click();
    await limited.tab.getByText("The server's page needs a key without a policy of its own, or with consoleAdmin.").last().waitFor();
    await limited.context.close();
  });
});

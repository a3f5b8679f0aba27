// A bucket's settings in the console (Chromium), each checked with the SDK after Save: tags, default
// encryption, a bucket policy (a refused one shows the server's message; a public-read one lets an
// anonymous GET through), lifecycle rules from the form, CORS, access logging, Object Lock defaults,
// and a notification naming no configured target refused in words.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, GetBucketCorsCommand, GetBucketEncryptionCommand, GetBucketLifecycleConfigurationCommand, GetBucketLoggingCommand,
  GetBucketTaggingCommand, GetObjectLockConfigurationCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { bucketName } from "./helpers/clients.ts";
import { CHROMIUM, chromiumUnavailable, consoleArtifacts, launchChromium, signedInTab } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";

setDefaultTimeout(120_000);
const hasChromium = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable());
const fx = serverWithBucket("consolesettings");
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!hasChromium)("console: bucket settings", () => {
  test("tags, encryption, policy, lifecycle, CORS, logging, Object Lock defaults and notifications, saved and read back", async () => {
    const bucket = bucketName("settings");
    const logs = bucketName("settingslogs");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await fx.s3.send(new CreateBucketCommand({ Bucket: logs }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "public.txt", Body: "for all" }));
    browser ??= await launchChromium();
    const { context, tab, problems } = await signedInTab(browser, fx.server.endpoint, { accessKey: ACCESS_KEY, secretKey: SECRET_KEY });
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByRole("button", { name: "Bucket settings" }).click();
    const saved = (title: string) => tab.getByRole("status").filter({ hasText: `${title}: saved.` }).waitFor();

    await tab.getByLabel("Tags (one key=value a line)").fill("team=web\nenv=prod");
    await tab.getByRole("button", { name: "Save tags" }).click();
    await saved("Tags");
    expect((await fx.s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toEqual([{ Key: "team", Value: "web" }, { Key: "env", Value: "prod" }]);

    await tab.getByLabel("Encryption of new objects").selectOption("AES256");
    await tab.getByRole("button", { name: "Save default encryption" }).click();
    await saved("Default encryption");
    const sse = await fx.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(sse.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");

    const policy = (resource: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: resource }] });
    await tab.getByLabel("Bucket policy JSON").fill(policy("arn:aws:s3:::someone-else/*"));
    await tab.getByRole("button", { name: "Save bucket policy" }).click();
    await tab.getByRole("status").filter({ hasText: "Not saved: MalformedPolicy" }).waitFor();
    expect((await fetch(`${fx.server.endpoint}/${bucket}/public.txt`)).status).toBe(403);
    await tab.getByLabel("Bucket policy JSON").fill(policy(`arn:aws:s3:::${bucket}/*`));
    await tab.getByRole("button", { name: "Save bucket policy" }).click();
    await saved("Bucket policy");
    expect(await (await fetch(`${fx.server.endpoint}/${bucket}/public.txt`)).text()).toBe("for all");

    await tab.getByLabel("Rule name").fill("old-logs");
    await tab.getByLabel("Rule prefix").fill("logs/");
    await tab.getByLabel("Expire current versions after days").fill("30");
    await tab.getByLabel("Abort unfinished uploads after days").fill("7");
    await tab.getByRole("button", { name: "Add rule" }).click();
    await tab.getByRole("cell", { name: "old-logs", exact: true }).waitFor();
    await tab.getByRole("button", { name: "Save lifecycle rules" }).click();
    await saved("Lifecycle rules");
    const [rule] = (await fx.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules!;
    expect(rule).toMatchObject({ ID: "old-logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });

    await tab.getByLabel("CORS configuration (S3's XML)").fill(
      "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
    await tab.getByRole("button", { name: "Save cors" }).click();
    await saved("CORS");
    expect((await fx.s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules?.[0]?.AllowedOrigins).toEqual(["https://app.example"]);

    await tab.getByLabel("Log to bucket").fill(logs);
    await tab.getByLabel("Log object prefix").fill("access/");
    await tab.getByRole("button", { name: "Save access logging" }).click();
    await saved("Access logging");
    expect((await fx.s3.send(new GetBucketLoggingCommand({ Bucket: bucket }))).LoggingEnabled).toEqual({ TargetBucket: logs, TargetPrefix: "access/" });

    await tab.getByLabel("Default retention mode").selectOption("GOVERNANCE");
    await tab.getByLabel("Retention days").fill("1");
    await tab.getByRole("button", { name: "Save object lock defaults" }).click();
    await saved("Object Lock defaults");
    const lock = await fx.s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    expect(lock.ObjectLockConfiguration?.Rule?.DefaultRetention).toEqual({ Mode: "GOVERNANCE", Days: 1 });

    await tab.getByLabel("Notification configuration (S3's XML; targets by ARN)").fill(
      "<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:nowhere</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>");
    await tab.getByRole("button", { name: "Save notifications" }).click();
    await tab.getByRole("status").filter({ hasText: "Not saved: InvalidArgument: Unable to validate the following destination configurations: arn:aws:sqs:us-east-1:000000000000:nowhere" }).waitFor();
    await tab.screenshot({ path: join(consoleArtifacts(), "settings-1280.png"), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });
});

// The console's bucket and object management in Chromium: buckets created (a bad name's error in
// words) and deleted (a non-empty one refused), their counts and sizes; an object's details (metadata,
// tags, encryption) and previews of an image, JSON and text; several objects deleted at once, a folder
// deleted after a confirmation that counts its objects; uploads by drag and drop and by folder picker.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, HeadBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { bucketName, s3Status } from "./helpers/clients.ts";
import { CHROMIUM, chromiumUnavailable, consoleArtifacts, launchChromium, signedInTab } from "./helpers/browser.ts";
import { serverWithBucket } from "./helpers/fixture.ts";
import { requires } from "./helpers/requires.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(90_000);
const hasChromium = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable());
const fx = serverWithBucket("consolemanage");
const me = { accessKey: ACCESS_KEY, secretKey: SECRET_KEY };
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});
// A 2×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DwH4QZGBgAAPwE/9jyW0AAAAAASUVORK5CYII=", "base64");
const keys = async (bucket: string, Prefix = "") => ((await fx.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix }))).Contents ?? []).map((c) => c.Key!).sort();

describe.skipIf(!hasChromium)("console: buckets and objects", () => {
  test("buckets: a bad name's error, created, counted, a non-empty one refused, deleted", async () => {
    browser ??= await launchChromium();
    const { context, tab, dialogs, problems } = await signedInTab(browser, fx.server.endpoint, me);
    await tab.getByLabel("New bucket name").fill("Bad_Name");
    await tab.getByRole("button", { name: "Create bucket" }).click();
    await tab.getByText("Creating Bad_Name failed: InvalidBucketName").waitFor();
    const made = bucketName("made");
    await tab.getByLabel("New bucket name").fill(made);
    await tab.getByRole("button", { name: "Create bucket" }).click();
    await tab.getByRole("button", { name: made, exact: true }).waitFor();
    expect(await s3Status(fx.s3.send(new HeadBucketCommand({ Bucket: made })))).toBe(200);
    await fx.s3.send(new PutObjectCommand({ Bucket: made, Key: "one", Body: "x".repeat(2048) }));
    await tab.reload();
    const row = tab.getByRole("row").filter({ has: tab.getByRole("button", { name: made, exact: true }) });
    await row.getByRole("cell", { name: "2.0 KiB" }).waitFor();
    expect(await row.getByRole("cell", { name: "1", exact: true }).count()).toBe(1);
    await tab.getByRole("button", { name: `Delete bucket ${made}` }).click();
    await tab.getByText(`Deleting ${made} failed: BucketNotEmpty`).waitFor();
    await tab.getByRole("button", { name: made, exact: true }).click();
    await tab.getByRole("button", { name: "Delete one" }).click();
    // Gone from the folder (the delete answered) before the user goes back to the buckets.
    await tab.getByRole("button", { name: "Delete one" }).waitFor({ state: "detached" });
    await tab.getByRole("navigation", { name: "Breadcrumb" }).getByRole("button", { name: "Buckets" }).click();
    await tab.getByRole("button", { name: `Delete bucket ${made}` }).click();
    await tab.getByRole("button", { name: made, exact: true }).waitFor({ state: "detached" });
    expect(await s3Status(fx.s3.send(new HeadBucketCommand({ Bucket: made })))).toBe(404);
    expect(dialogs).toEqual([`confirm: Delete the bucket ${made}? It must be empty.`, "confirm: Delete one?", `confirm: Delete the bucket ${made}? It must be empty.`]);
    expect(problems).toEqual([]);
    await context.close();
  });

  test("details and previews: metadata, tags and encryption as text; an image, JSON pretty-printed, text", async () => {
    const bucket = fx.bucket;
    await fx.s3.send(new PutObjectCommand({
      Bucket: bucket, Key: "pics/dot.png", Body: PNG, ContentType: "image/png", Metadata: { camera: "<b>pinhole</b>" }, Tagging: "album=summer",
      ServerSideEncryption: "AES256",
    }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "pics/info.json", Body: "{\"a\":[1,2]}", ContentType: "application/json" }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "pics/notes.txt", Body: "plain <i>text</i>", ContentType: "text/plain" }));
    browser ??= await launchChromium();
    const { context, tab, problems } = await signedInTab(browser, fx.server.endpoint, me);
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByRole("button", { name: "pics/", exact: true }).click();
    await tab.getByRole("button", { name: "Details of pics/dot.png" }).click();
    const details = tab.getByRole("region", { name: "Details of pics/dot.png" });
    await details.getByText("<b>pinhole</b>", { exact: true }).waitFor();
    await details.getByText("album=summer", { exact: true }).waitFor();
    await details.getByText("AES256", { exact: true }).waitFor();
    await details.getByText("image/png", { exact: true }).waitFor();
    const img = details.getByRole("img", { name: "Preview of pics/dot.png" });
    await img.waitFor();
    await tab.waitForFunction("document.querySelector('#preview img')?.naturalWidth === 2");
    await tab.screenshot({ path: join(consoleArtifacts(), "details-1280.png"), fullPage: true });
    await tab.getByRole("button", { name: "Details of pics/info.json" }).click();
    expect(await tab.getByLabel("Preview of pics/info.json").textContent()).toBe("{\n  \"a\": [\n    1,\n    2\n  ]\n}");
    await tab.getByRole("button", { name: "Details of pics/notes.txt" }).click();
    expect(await tab.getByLabel("Preview of pics/notes.txt").textContent()).toBe("plain <i>text</i>");
    await tab.getByRole("button", { name: "Close details" }).click();
    await tab.getByRole("region", { name: /Details of/ }).waitFor({ state: "hidden" });
    expect(problems).toEqual([]);
    await context.close();
  });

  test("many at once: the selected objects deleted; a folder deleted after a confirmation that counts its objects", async () => {
    const bucket = bucketName("consolebulk");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of ["keep.txt", "x1.txt", "x2.txt", "old/a", "old/b/c", "old/d"]) await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    browser ??= await launchChromium();
    const { context, tab, dialogs, problems } = await signedInTab(browser, fx.server.endpoint, me);
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    const remove = tab.getByRole("button", { name: "Delete selected" });
    expect(await remove.isDisabled()).toBe(true);
    await tab.getByLabel("Select x1.txt").check();
    await tab.getByLabel("Select x2.txt").check();
    await remove.click();
    await tab.getByText("Deleted 2 of 2 objects.").waitFor();
    expect(await keys(bucket)).toEqual(["keep.txt", "old/a", "old/b/c", "old/d"]);
    await tab.getByRole("button", { name: "Delete everything under old/" }).click();
    await tab.getByText("Deleted 3 of 3 objects.").waitFor();
    expect(await keys(bucket)).toEqual(["keep.txt"]);
    expect(dialogs).toEqual(["confirm: Delete 2 selected objects?", "confirm: Delete 3 objects under old/?"]);
    expect(problems).toEqual([]);
    await context.close();
  });

  test("Cancel during a multipart upload stops it and aborts the upload: no object, no upload left", async () => {
    const bucket = bucketName("consolecancel");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    browser ??= await launchChromium();
    const { context, tab, problems } = await signedInTab(browser, fx.server.endpoint, me);
    // Part 3 is held back until Cancel, so the upload is surely in flight when it is pressed.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await tab.route(/partNumber=3&/, async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByLabel("Upload files").setInputFiles({ name: "huge.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(17 * 1024 * 1024, 1) });
    await until(async () => (await fx.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads?.length === 1, "the upload to begin");
    await tab.getByRole("button", { name: "Cancel the upload of huge.bin" }).click();
    release();
    await tab.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: "huge.bin" }).filter({ hasText: "cancelled" }).waitFor();
    await until(async () => (await fx.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads === undefined, "the upload to be aborted");
    expect(await keys(bucket)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  test("uploads by drag and drop and by the folder picker keep the paths under the folder shown", async () => {
    const bucket = bucketName("consoledrop");
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "in/placeholder", Body: "" }));
    browser ??= await launchChromium();
    const { context, tab, problems } = await signedInTab(browser, fx.server.endpoint, me);
    await tab.getByRole("button", { name: bucket, exact: true }).click();
    await tab.getByRole("button", { name: "in/", exact: true }).click();
    // A drop of two files, as a person's drop delivers them to the page.
    const transfer = await tab.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped one"], "d1.txt", { type: "text/plain" }));
      dt.items.add(new File(["dropped two"], "d2.txt", { type: "text/plain" }));
      return dt;
    })()`);
    await tab.dispatchEvent("#drop", "dragover", { dataTransfer: transfer });
    await tab.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
    await tab.getByRole("cell", { name: "d2.txt", exact: true }).waitFor();
    // A folder with a subfolder, by the folder picker.
    const dir = mkdtempSync(join(tmpdir(), "bleepstore-console-folder-"));
    mkdirSync(join(dir, "album", "2026"), { recursive: true });
    writeFileSync(join(dir, "album", "cover.txt"), "cover");
    writeFileSync(join(dir, "album", "2026", "jan.txt"), "january");
    await tab.getByLabel("Upload a folder").setInputFiles(join(dir, "album"));
    await tab.getByRole("button", { name: "album/", exact: true }).waitFor();
    rmSync(dir, { recursive: true, force: true });
    expect(await keys(bucket)).toEqual(["in/album/2026/jan.txt", "in/album/cover.txt", "in/d1.txt", "in/d2.txt", "in/placeholder"]);
    expect(problems).toEqual([]);
    await context.close();
  });
});

// Browser uploads in a real browser: Debian's headless Chromium, driven by Playwright, loads a page served
// by the test (another origin than BleepStore) and (1) chooses a file in the form's file input and clicks
// Upload on an HTML form signed with createPresignedPost, following the 303 back to the page; (2) clicks a
// button whose script uploads with fetch() and FormData, allowed by the bucket's CORS rule. The file
// arrives byte-exact both times.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import type { Browser } from "playwright-core";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { chromiumUnavailable, launchChromium, CHROMIUM } from "./helpers/browser.ts";
import { requires } from "./helpers/requires.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

setDefaultTimeout(60_000);
const hasChromium = requires(`Chromium (${CHROMIUM})`, chromiumUnavailable());
const CONTENT = "uploaded by a browser form ✓ ".repeat(50);

let server: TestServer;
let s3: S3Client;
let page: ReturnType<typeof Bun.serve>;
const bucket = bucketName("browserpost");
let forms: { form: { url: string; fields: Record<string, string> }; fetched: { url: string; fields: Record<string, string> } };

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ["*"], AllowedMethods: ["POST", "GET"], AllowedHeaders: ["*"], ExposeHeaders: ["ETag"] }] } }));
  page = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/done") {
        return new Response(`<html><body><div id="result">done ${url.searchParams.get("bucket")} ${url.searchParams.get("key")} ${url.searchParams.get("etag")}</div></body></html>`, { headers: { "content-type": "text/html" } });
      }
      const which = url.pathname === "/fetch" ? forms.fetched : forms.form;
      const inputs = Object.entries(which.fields).map(([k, v]) => `<input type="hidden" name="${k}" value='${v}'>`).join("");
      const script = url.pathname === "/fetch"
        ? `document.getElementById("go").onclick = async () => {
            const out = document.getElementById("result");
            try {
              const data = new FormData(document.getElementById("f"));
              data.append("file", new File([${JSON.stringify(CONTENT)}], "fetched.txt", { type: "text/plain" }));
              const res = await fetch(${JSON.stringify(which.url)}, { method: "POST", body: data });
              out.textContent = "fetched " + res.status + " " + res.headers.get("etag");
            } catch (e) { out.textContent = "blocked " + e; }
          };`
        : "";
      const controls = url.pathname === "/fetch" ? "" : `<input type="file" id="file" name="file"><button type="submit" id="go">Upload</button>`;
      return new Response(`<html><body><div id="result">pending</div><form id="f" action="${which.url}" method="post" enctype="multipart/form-data">${inputs}${controls}</form>${url.pathname === "/fetch" ? `<button id="go">Upload</button>` : ""}<script>${script}</script></body></html>`, {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    },
  });
  const origin = `http://127.0.0.1:${page.port}`;
  forms = {
    form: await createPresignedPost(s3, { Bucket: bucket, Key: "in/${filename}", Expires: 600, Fields: { success_action_redirect: `${origin}/done` } }),
    fetched: await createPresignedPost(s3, { Bucket: bucket, Key: "in/${filename}", Expires: 600 }),
  };
});
afterAll(async () => {
  page?.stop(true);
  await server?.[Symbol.asyncDispose]();
});

let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});
const stored = async (key: string) => (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());

describe.skipIf(!hasChromium)("POST Object from Chromium (Playwright)", () => {
  test("an HTML form: a file chosen and Upload clicked; the file arrives byte-exact and the browser follows the 303 back to the page", async () => {
    browser ??= await launchChromium();
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${page.port}/form`);
    await tab.setInputFiles("#file", { name: "form.txt", mimeType: "text/plain", buffer: Buffer.from(CONTENT) });
    await Promise.all([tab.waitForURL(/\/done\?/), tab.click("#go")]);
    expect(await tab.textContent("#result")).toMatch(new RegExp(`^done ${bucket} in/form.txt "[0-9a-f]{32}"$`));
    expect(await stored("in/form.txt")).toBe(CONTENT);
    await tab.close();
  });

  test("fetch() with FormData from another origin, allowed by CORS (ETag exposed)", async () => {
    browser ??= await launchChromium();
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${page.port}/fetch`);
    await tab.click("#go");
    await tab.waitForSelector("#result:not(:text-is('pending'))");
    expect(await tab.textContent("#result")).toMatch(/^fetched 204 "[0-9a-f]{32}"$/);
    expect(await stored("in/fetched.txt")).toBe(CONTENT);
    await tab.close();
  });
});

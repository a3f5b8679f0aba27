// Browser uploads in a real browser: Debian's headless Chromium loads a page served by the test (another
// origin than BleepStore) that (1) submits an HTML form signed with createPresignedPost, its file input
// filled with a file made in the page, and follows the 303 back to the page; (2) uploads with fetch() and
// FormData, allowed by the bucket's CORS rule. The file arrives byte-exact both times.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { CreateBucketCommand, GetObjectCommand, PutBucketCorsCommand, type S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { requires, unless } from "./helpers/requires.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

setDefaultTimeout(60_000);
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = requires(`Chromium (${CHROMIUM})`, unless(existsSync(CHROMIUM), "apt-get install chromium"));
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
        ? `(async () => {
            const out = document.getElementById("result");
            try {
              const data = new FormData(document.getElementById("f"));
              data.append("file", new File([${JSON.stringify(CONTENT)}], "fetched.txt", { type: "text/plain" }));
              const res = await fetch(${JSON.stringify(which.url)}, { method: "POST", body: data });
              out.textContent = "fetched " + res.status + " " + res.headers.get("etag");
            } catch (e) { out.textContent = "blocked " + e; }
          })();`
        : `const dt = new DataTransfer();
           dt.items.add(new File([${JSON.stringify(CONTENT)}], "form.txt", { type: "text/plain" }));
           document.getElementById("file").files = dt.files;
           document.getElementById("f").submit();`;
      const file = url.pathname === "/fetch" ? "" : `<input type="file" id="file" name="file">`;
      return new Response(`<html><body><div id="result">pending</div><form id="f" action="${which.url}" method="post" enctype="multipart/form-data">${inputs}${file}</form><script>${script}</script></body></html>`, {
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

async function chromium(url: string): Promise<string> {
  const dom = Bun.spawn([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom", url], { stdout: "pipe", stderr: "ignore" });
  const text = await new Response(dom.stdout).text();
  return /<div id="result">([^<]*)</.exec(text)?.[1] ?? text;
}

const stored = async (key: string) => (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());

describe.skipIf(!hasChromium)("POST Object from Chromium", () => {
  test("an HTML form: the file arrives byte-exact and the browser follows the 303 back to the page", async () => {
    const result = await chromium(`http://127.0.0.1:${page.port}/form`);
    expect(result).toMatch(new RegExp(`^done ${bucket} in/form.txt "[0-9a-f]{32}"$`));
    expect(await stored("in/form.txt")).toBe(CONTENT);
  });

  test("fetch() with FormData from another origin, allowed by CORS (ETag exposed)", async () => {
    const result = await chromium(`http://127.0.0.1:${page.port}/fetch`);
    expect(result).toMatch(/^fetched 204 "[0-9a-f]{32}"$/);
    expect(await stored("in/fetched.txt")).toBe(CONTENT);
  });
});

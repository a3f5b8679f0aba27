// CORS in a real browser: Debian's headless Chromium (installed by .ci/run) loads a page from another
// origin than BleepStore, which PUTs and then GETs an object through presigned URLs with fetch(). With
// a matching CORS rule both succeed; without one the browser blocks them. The page writes its outcome
// into the DOM, which Chromium dumps; a screenshot of each case is kept in e2e/artifacts/.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { awsClient, bucketName, s3Status } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";

setDefaultTimeout(60_000);

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = requires(`Chromium (${CHROMIUM})`, unless(existsSync(CHROMIUM), "apt-get install chromium"));
const ARTIFACTS = join(import.meta.dir, "artifacts");

let server: TestServer;
let s3: S3Client;
let page: ReturnType<typeof Bun.serve>;
beforeAll(async () => {
  if (!hasChromium) return;
  server = await startServer();
  s3 = awsClient(server.endpoint);
  // The page's origin differs from BleepStore's by its port.
  page = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: (req) => {
      const q = new URL(req.url).searchParams;
      const script = `(async () => {
        const out = document.getElementById("result");
        try {
          const put = await fetch(${JSON.stringify(q.get("put"))}, { method: "PUT", body: "written by the browser" });
          const got = await fetch(${JSON.stringify(q.get("get"))});
          out.textContent = "ok " + put.status + " " + got.status + " " + (await got.text());
        } catch (e) {
          out.textContent = "blocked " + e;
        }
      })();`;
      return new Response(`<html><body style="font: 20px sans-serif"><div id="result">pending</div><script>${script}</script></body></html>`, {
        headers: { "content-type": "text/html" },
      });
    },
  });
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  page?.stop(true);
  await server?.[Symbol.asyncDispose]();
});

async function chromium(url: string, screenshot: string): Promise<string> {
  const base = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"];
  const dom = Bun.spawn([...base, "--dump-dom", url], { stdout: "pipe", stderr: "ignore" });
  const text = await new Response(dom.stdout).text();
  await Bun.spawn([...base, "--window-size=900,200", `--screenshot=${screenshot}`, url], { stdout: "ignore", stderr: "ignore" }).exited;
  return /<div id="result">([^<]*)</.exec(text)?.[1] ?? text;
}

async function pageFor(bucket: string, key: string): Promise<string> {
  const put = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
  const get = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 300 });
  return `http://127.0.0.1:${page.port}/?${new URLSearchParams({ put, get })}`;
}

describe.skipIf(!hasChromium)("CORS in headless Chromium", () => {
  test("with a matching rule the page PUTs and GETs through presigned URLs", async () => {
    const bucket = bucketName("browser-ok");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: { CORSRules: [{ AllowedOrigins: [`http://127.0.0.1:${page.port}`], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["*"] }] },
    }));
    const result = await chromium(await pageFor(bucket, "from-browser.txt"), join(ARTIFACTS, "cors-allowed.png"));
    expect(result).toBe("ok 200 200 written by the browser");
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "from-browser.txt" }));
    expect(await stored.Body!.transformToString()).toBe("written by the browser");
    expect(existsSync(join(ARTIFACTS, "cors-allowed.png"))).toBe(true);
  });

  test("without a rule the browser blocks the request and nothing is stored", async () => {
    const bucket = bucketName("browser-no");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const result = await chromium(await pageFor(bucket, "blocked.txt"), join(ARTIFACTS, "cors-blocked.png"));
    expect(result).toStartWith("blocked TypeError");
    expect(await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "blocked.txt" })))).toBe(404);
    expect(existsSync(join(ARTIFACTS, "cors-blocked.png"))).toBe(true);
  });
});

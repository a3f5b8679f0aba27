// Run as a script inside a network namespace with only loopback (e2e/console-offline.test.ts): a
// person's first minutes with the console of the server at argv[2], in headless Chromium — the page
// and its script load, sign in, a bucket made, a file uploaded and previewed, signed out — printed as
// one JSON line: the steps done, the requests that left loopback (none can), the page's errors.
import { chromium } from "playwright-core";

const endpoint = process.argv[2]!;
const [accessKey, secretKey] = [process.argv[3]!, process.argv[4]!];
const steps: string[] = [];
const outside: string[] = [];
const problems: string[] = [];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
try {
  const tab = await browser.newPage();
  tab.on("request", (r) => {
    if (!r.url().startsWith(endpoint) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) outside.push(r.url());
  });
  tab.on("pageerror", (err) => problems.push(String(err)));
  await tab.goto(`${endpoint}/_bleepstore/console/`);
  await tab.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 15_000 });
  steps.push("page");
  await tab.getByLabel("Access key", { exact: true }).fill(accessKey);
  await tab.getByLabel("Secret key", { exact: true }).fill(secretKey);
  await tab.getByRole("button", { name: "Sign in" }).click();
  await tab.getByRole("heading", { name: "Buckets" }).waitFor();
  steps.push("signed in");
  await tab.getByLabel("New bucket name").fill("offline-bucket");
  await tab.getByRole("button", { name: "Create bucket" }).click();
  await tab.getByRole("button", { name: "offline-bucket", exact: true }).click();
  steps.push("bucket");
  await tab.getByLabel("Upload files").setInputFiles({ name: "hello.txt", mimeType: "text/plain", buffer: Buffer.from("hello, offline") });
  await tab.getByRole("button", { name: "Details of hello.txt" }).click();
  const preview = await tab.getByLabel("Preview of hello.txt").textContent();
  if (preview === "hello, offline") steps.push("uploaded and previewed");
  await tab.getByRole("button", { name: "Sign out" }).click();
  await tab.getByRole("heading", { name: "Sign in" }).waitFor();
  steps.push("signed out");
} catch (err) {
  problems.push(String(err));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ steps, outside, problems }));

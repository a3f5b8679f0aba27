// Lifecycle under kill -9: 5,000 objects (2,500 due to expire, 2,500 to stay) and 500 keys with a
// noncurrent version each, a one-second day and a pass every second; the server killed -9 at random
// moments during its passes, 20 rounds. Afterwards every object that should be gone is gone, every one
// that should stay is there, and no version was deleted twice: the outbox holds one object.deleted per
// expired key and per noncurrent version. A pass cut short resumes from the position it kept
// (<data dir>/lifecycle-scan.json, seen mid-pass), removed once a pass finishes.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, ListObjectVersionsCommand, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand,
  paginateListObjectsV2, type S3Client,
} from "@aws-sdk/client-s3";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(600_000);
const TOKEN = "lifecycle-crash-token";
const ROUNDS = 20;
let server: TestServer;
let s3: S3Client;
const plain = bucketName("lcc");
const versioned = bucketName("lccv");

beforeAll(async () => {
  if (EXTERNAL_ENDPOINT) return;
  server = await startServer({ env: { BLEEPSTORE_LIFECYCLE_DAY_SECONDS: "1", BLEEPSTORE_LIFECYCLE_INTERVAL_SECONDS: "1", BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_LOG_LEVEL: "warn" } });
  s3 = awsClient(server.endpoint);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

async function inParallel(items: string[], work: (item: string) => Promise<unknown>, workers = 32): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function keys(bucket: string, prefix: string): Promise<number> {
  let n = 0;
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) n += page.KeyCount ?? 0;
  return n;
}

test.skipIf(!!EXTERNAL_ENDPOINT)(`kill -9 during lifecycle passes over 5,000 objects, ${ROUNDS} rounds: what should go is gone once, what should stay is there`, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: plain }));
  await s3.send(new CreateBucketCommand({ Bucket: versioned }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: "Enabled" } }));
  const pad = (i: number) => String(i).padStart(5, "0");
  const expiring = Array.from({ length: 2500 }, (_, i) => `tmp/${pad(i)}`);
  const staying = Array.from({ length: 2500 }, (_, i) => `keep/${pad(i)}`);
  await inParallel([...expiring, ...staying], (Key) => s3.send(new PutObjectCommand({ Bucket: plain, Key, Body: Key })));
  const vkeys = Array.from({ length: 500 }, (_, i) => `v/${pad(i)}`);
  await inParallel(vkeys, async (Key) => {
    await s3.send(new PutObjectCommand({ Bucket: versioned, Key, Body: "old" }));
    await s3.send(new PutObjectCommand({ Bucket: versioned, Key, Body: "new" }));
  });
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: plain, LifecycleConfiguration: { Rules: [{ ID: "tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 1 } }] } }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: versioned, LifecycleConfiguration: { Rules: [{ ID: "nc", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }] } }));

  const position = join(server.dataDir, "lifecycle-scan.json");
  let positionsSeen = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await Bun.sleep(300 + Math.floor(Math.random() * 1500));
    if (existsSync(position)) {
      const p = JSON.parse(readFileSync(position, "utf8")) as { bucket: string; key: string };
      expect([plain, versioned]).toContain(p.bucket);
      positionsSeen++;
    }
    await server.kill9();
    await server.restart();
  }
  await until(async () => (await keys(plain, "tmp/")) === 0, "every expiring object gone", 180_000);
  await until(async () => {
    let noncurrent = 0;
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: versioned, ...marker }));
      noncurrent += (page.Versions ?? []).filter((v) => !v.IsLatest).length;
      if (!page.IsTruncated) break;
      marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
    }
    return noncurrent === 0;
  }, "every noncurrent version gone", 180_000);
  await until(() => !existsSync(position), "the position removed once a pass finished", 60_000);
  expect(await keys(plain, "keep/")).toBe(2500);
  expect(await keys(versioned, "v/")).toBe(500);

  // Each expired key and each noncurrent version was deleted once: one object.deleted apiece in the outbox.
  const deletes = new Map<string, number>();
  for (let after = 0; ;) {
    const res = await fetch(`${server.endpoint}/_bleepstore/admin/events?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const page = await res.json() as { events: Array<{ seq: number; type: string; data: { bucket: string; key: string; versionId?: string; requester?: string } }>; next: number };
    if (page.events.length === 0) break;
    for (const e of page.events) {
      if (e.type !== "object.deleted") continue;
      expect(e.data.requester).toBe("lifecycle");
      const id = `${e.data.bucket}/${e.data.key}@${e.data.versionId ?? ""}`;
      deletes.set(id, (deletes.get(id) ?? 0) + 1);
    }
    after = page.next;
  }
  const twice = [...deletes].filter(([, n]) => n > 1);
  expect(twice).toEqual([]);
  expect([...deletes.keys()].filter((k) => k.startsWith(`${plain}/tmp/`)).length).toBe(2500);
  expect([...deletes.keys()].filter((k) => k.startsWith(`${versioned}/v/`)).length).toBe(500);
  expect([...deletes.keys()].filter((k) => k.startsWith(`${plain}/keep/`))).toEqual([]);
  console.log(`lifecycle crash loop: ${ROUNDS} kills, a scan position seen at ${positionsSeen} of them, ${deletes.size} versions deleted once each`);
});

// Metadata engines beyond sqlite, each behind a real server: the core e2e files, and the crash tests,
// run again with the metadata in that engine. The local engine also runs with a tiny compaction
// threshold, so snapshots are written all through the runs (and a kill -9 lands in some), and once
// killed by a failpoint half-way through writing a snapshot.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { CORE_E2E, runNestedSuite } from "./helpers/nested.ts";
import { EXTERNAL_ENDPOINT, runCli, startServer } from "./helpers/server.ts";

setDefaultTimeout(600_000);
// Inside a nested run (or against another server or binary run) these are not repeated.
const skip = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_METADATA_ENGINE || !!process.env.BLEEPSTORE_STORAGE_BACKEND;

const LOCAL = { BLEEPSTORE_METADATA_ENGINE: "local", BLEEPSTORE_METADATA_LOCAL_COMPACT_MIN_LINES: "200" };

describe.skipIf(skip)("the core e2e files and the crash tests with metadata.engine: local", () => {
  test("local", async () => {
    const files = [...CORE_E2E, "e2e/crash.test.ts", "e2e/crash-concurrent.test.ts"];
    const { code, summary } = await runNestedSuite(files, LOCAL, "metadata local");
    expect(summary).toMatch(/^ 0 fail$/m);
    expect(summary).toMatch(/^ [1-9]\d* pass$/m);
    expect(code).toBe(0);
  });
});

describe.skipIf(skip)("metadata.engine: local, killed half-way through a snapshot", () => {
  test("every acknowledged write is there after the restart; the torn snapshot is dropped", async () => {
    await using server = await startServer({ env: { ...LOCAL, BLEEPSTORE_FAILPOINT: "local-compaction-half-written" } });
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("compact");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const acknowledged: string[] = [];
    // 200 log lines trigger a compaction, whose failpoint kills the server: writers see it die.
    let died = false;
    await Promise.all(Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; !died && i < 100; i++) {
        const key = `w${w}/k${i}`;
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key} body` }));
          acknowledged.push(key);
        } catch {
          died = true;
        }
      }
    }));
    expect(died).toBe(true);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    const dir = join(server.dataDir, "metadata");
    expect(readdirSync(dir).some((f) => f.endsWith(".jsonl.tmp"))).toBe(true);
    await server.kill9();
    await server.restart({ BLEEPSTORE_METADATA_ENGINE: "local" });
    expect(readdirSync(dir).some((f) => f.endsWith(".tmp"))).toBe(false);
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      listed.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(acknowledged.filter((k) => !listed.includes(k))).toEqual([]);
    for (const key of acknowledged.slice(0, 20)) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body!.transformToString()).toBe(`${key} body`);
    }
  });
});

/** What a client sees of a bucket: versions (ids, etags, sizes), current keys, uploads, and each body. */
async function view(s3: S3Client, bucket: string): Promise<unknown> {
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  const bodies: Record<string, string> = {};
  for (const v of versions.Versions ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
    bodies[`${v.Key}@${v.VersionId}`] = `${got.ContentType} ${JSON.stringify(got.Metadata)} ${await got.Body!.transformToString()}`;
  }
  const strip = <T extends { $metadata?: unknown }>(r: T) => ({ ...r, $metadata: undefined });
  return { versions: strip(versions), listed: strip(listed), uploads: (uploads.Uploads ?? []).map((u) => [u.Key, u.UploadId]), bodies };
}

const withoutTime = (text: string) => text.replace(/"exported_at": "[^"]+"/, '"exported_at": "-"');

describe.skipIf(skip)("migration: sqlite → meta export → meta import into local → the same server on local", () => {
  test("serves the same listings and objects, and exports the same document", async () => {
    await using server = await startServer();
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("migrate");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    for (const [key, body] of [["a/1.txt", "one"], ["a/2.txt", "two"], ["b.txt", "bee"], ["a/1.txt", "one again"], ["ünï ✓", "x"]]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/x-test", Metadata: { k: encodeURIComponent(key!) } }));
    }
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big" }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 1, Body: "part" }));
    const before = await view(s3, bucket);

    await server.kill9();
    const first = join(server.dataDir, "first.json");
    expect(await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials", "--output", first])).toEqual({ code: 0, out: "", err: "" });
    const local = { BLEEPSTORE_METADATA_ENGINE: "local" };
    const imported = await runCli(["meta", "import", "--data-dir", server.dataDir, "--input", first], { env: local });
    expect(imported.err).toBe("");
    expect(imported.out).toMatch(/^imported \(merge\): buckets 1, objects 5, multipart_uploads 1, multipart_parts 1, credentials 1, skipped 0\n$/);

    await server.restart(local);
    expect(await view(s3, bucket)).toEqual(before);
    await server.kill9();
    const again = await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials"], { env: local });
    expect(again.err).toBe("");
    expect(withoutTime(again.out)).toBe(withoutTime(readFileSync(first, "utf8")));
  });
});

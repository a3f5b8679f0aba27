// Moving metadata between engines with `bleepstore meta export|import` (SPEC §12): a sqlite server is
// filled, then each hop exports from the engine before it and imports into the next; a server on
// every engine serves the same versions, listings, uploads and bodies, and the last export is the
// first one, byte for byte (but its time).
import { expect } from "bun:test";
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  PutBucketVersioningCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { awsClient, bucketName } from "./clients.ts";
import { runCli, startServer } from "./server.ts";

/** What a client sees of a bucket: versions, a delimited listing, uploads, and each version's body. */
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

/** sqlite → each of `hops` (server environments naming an engine; relative paths are in the data directory) in turn. */
export async function migrationRoundTrip(...hops: Array<Record<string, string>>): Promise<void> {
  await using server = await startServer();
  const s3 = awsClient(server.endpoint);
  const bucket = bucketName("migrate");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  for (const [key, body] of [["a/1.txt", "one"], ["a/2.txt", "two"], ["b.txt", "bee"], ["a/1.txt", "one again"], ["ünï ✓", "x"]] as const) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "text/x-test", Metadata: { k: encodeURIComponent(key) } }));
  }
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big" }));
  await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "big", UploadId, PartNumber: 1, Body: "part" }));
  const before = await view(s3, bucket);
  await server.kill9();

  const first = join(server.dataDir, "export-0.json");
  expect(await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials", "--output", first])).toEqual({ code: 0, out: "", err: "" });
  let from: Record<string, string> = {};
  let file = first;
  for (const [i, to] of hops.entries()) {
    if (i > 0) {
      file = join(server.dataDir, `export-${i}.json`);
      const exported = await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials", "--output", file], { env: from, cwd: server.dataDir });
      expect(exported).toEqual({ code: 0, out: "", err: "" });
    }
    const imported = await runCli(["meta", "import", "--data-dir", server.dataDir, "--input", file], { env: to, cwd: server.dataDir });
    expect(imported.err).toBe("");
    expect(imported.out).toMatch(/^imported \(merge\): buckets 1, objects 5, multipart_uploads 1, multipart_parts 1, credentials 1, skipped 0\n$/);
    await server.restart(to);
    expect(await view(s3, bucket)).toEqual(before);
    await server.kill9();
    from = to;
  }
  const last = await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials"], { env: from, cwd: server.dataDir });
  expect(last.err).toBe("");
  expect(withoutTime(last.out)).toBe(withoutTime(readFileSync(first, "utf8")));
}

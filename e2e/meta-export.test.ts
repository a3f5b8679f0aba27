// `bleepstore meta export|import` in the family's format (SPEC §12): a full round trip through an
// empty data directory is identical; a file written as another edition would (no `extra` keys) imports
// and is served; skipped records are warned about; while a server holds the database the CLI goes
// through its admin API.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListBucketsCommand, PutBucketEncryptionCommand, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand,
  PutObjectCommand, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, runCli, startServer } from "./helpers/server.ts";

setDefaultTimeout(60_000);
const TOKEN = "meta-export-token";
const work = mkdtempSync(join(tmpdir(), "bleepstore-meta-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Export = { bleepstore_export: Record<string, unknown> } & Record<string, unknown[]>;
const withoutTime = (text: string) => text.replace(/"exported_at": "[^"]+"/, '"exported_at": "-"');

describe.skipIf(!!EXTERNAL_ENDPOINT)("meta export / import", () => {
  test("server with buckets, objects (metadata, ACLs, tags, checksums), an open upload with parts, two keys → export → import --replace into an empty dir → export: identical", async () => {
    await using server = await startServer({ env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
    const s3 = awsClient(server.endpoint);
    const bucket = bucketName("meta");
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ACL: "public-read" }));
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: "docs/a.txt", Body: "hello", ContentType: "text/plain", CacheControl: "max-age=60", ContentLanguage: "en",
      Metadata: { colour: "blue" }, Tagging: "team=storage&tier=1", ACL: "public-read", ChecksumAlgorithm: "SHA256",
    }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "ünïcode ✓.bin", Body: new Uint8Array(1000), ChecksumAlgorithm: "CRC32C" }));
    // A second bucket with versioning, default encryption and two versions of one key.
    const versioned = bucketName("meta-versioned");
    await s3.send(new CreateBucketCommand({ Bucket: versioned }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: versioned, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
    }));
    for (const body of ["v1", "v2"]) await s3.send(new PutObjectCommand({ Bucket: versioned, Key: "k", Body: body }));
    // Its lifecycle rules travel with it.
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: versioned, LifecycleConfiguration: { Rules: [{ ID: "old", Status: "Enabled", Filter: { Prefix: "logs/" }, NoncurrentVersionExpiration: { NoncurrentDays: 30, NewerNoncurrentVersions: 3 } }] },
    }));
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "big.bin", Metadata: { part: "yes" } }));
    for (const PartNumber of [1, 2]) {
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "big.bin", UploadId: upload.UploadId, PartNumber, Body: new Uint8Array(5 << 20) }));
    }
    const created = await fetch(`${server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ displayName: "second" }),
    });
    expect(created.status).toBe(201);

    // While the server runs it holds the database: the CLI goes through its admin API.
    const port = new URL(server.endpoint).port;
    const live = await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials"], {
      env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN, BLEEPSTORE_HOST: "127.0.0.1", BLEEPSTORE_PORT: port },
    });
    expect(live.err).toBe("");
    expect(live.code).toBe(0);

    await server.kill9();
    const first = join(work, "first.json");
    const exported = await runCli(["meta", "export", "--data-dir", server.dataDir, "--include-credentials", "--output", first]);
    expect(exported).toEqual({ code: 0, out: "", err: "" });
    const text = readFileSync(first, "utf8");
    expect(withoutTime(text)).toBe(withoutTime(live.out));
    const doc = JSON.parse(text) as Export;
    expect(Object.keys(doc)).toEqual(["bleepstore_export", "buckets", "credentials", "multipart_parts", "multipart_uploads", "objects"]);
    expect(Object.keys(doc.bleepstore_export)).toEqual(["exported_at", "schema_version", "source", "version"]);
    expect(doc.bleepstore_export.exported_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(doc.credentials).toHaveLength(2);
    expect(doc.multipart_parts).toHaveLength(2);
    const a = (doc.objects as Array<Record<string, unknown>>).find((o) => o.key === "docs/a.txt")!;
    expect(Object.keys(a)).toEqual([
      "acl", "bucket", "cache_control", "content_disposition", "content_encoding", "content_language", "content_type", "delete_marker",
      "etag", "expires", "extra", "key", "last_modified", "size", "storage_class", "user_metadata",
    ]);
    expect(a).toMatchObject({
      size: 5, etag: '"5d41402abc4b2a76b9719d911017c592"', content_type: "text/plain", cache_control: "max-age=60", content_disposition: null,
      user_metadata: { "x-amz-meta-colour": "blue" }, delete_marker: false,
      extra: { tags: { team: "storage", tier: "1" }, checksum: { algorithm: "SHA256" } },
    });
    expect(text).toContain('\n  "buckets": [\n    {\n      "acl": {');
    const lifecycleOf = (d: Export) => ((d.buckets as Array<{ name: string; extra: { lifecycle?: unknown } }>).find((b) => b.name === versioned)!).extra.lifecycle;
    expect(lifecycleOf(doc)).toEqual([{ id: "old", enabled: true, prefix: "logs/", noncurrent: { days: 30, newer: 3 } }]);

    const empty = mkdtempSync(join(work, "empty-"));
    const imported = await runCli(["meta", "import", "--data-dir", empty, "--replace", "--input", first]);
    expect(imported.err).toBe("");
    expect(imported.out).toBe("imported (replace): buckets 2, objects 4, multipart_uploads 1, multipart_parts 2, credentials 2, skipped 0\n");
    const again = await runCli(["meta", "export", "--data-dir", empty, "--include-credentials"]);
    expect(withoutTime(again.out)).toBe(withoutTime(text));
    expect(lifecycleOf(JSON.parse(again.out) as Export)).toEqual(lifecycleOf(doc));
    // Merge is idempotent: importing the same file again adds nothing.
    const merged = await runCli(["meta", "import", "--data-dir", empty, "--input", first]);
    expect(merged.out).toBe("imported (merge): buckets 0, objects 0, multipart_uploads 0, multipart_parts 0, credentials 0, skipped 0\n");
    // Without --include-credentials the secrets are REDACTED; a partial export has only its tables.
    const partial = JSON.parse((await runCli(["meta", "export", "--data-dir", empty, "--tables", "buckets,credentials"])).out) as Export;
    expect(Object.keys(partial)).toEqual(["bleepstore_export", "buckets", "credentials"]);
    expect((partial.credentials as Array<{ secret_key: string }>).every((c) => c.secret_key === "REDACTED")).toBe(true);
  });

  test("a file another edition wrote (the SPEC §12 shape, no extra keys) imports, and the server serves its buckets and objects' metadata", async () => {
    const fixture = {
      bleepstore_export: { version: 1, exported_at: "2026-11-01T10:00:00.000Z", schema_version: 1, source: "python/1.4.0" },
      buckets: [{ name: "from-python", region: "us-east-1", owner_id: "py-owner", owner_display: "py", acl: { grants: [] }, created_at: "2026-10-01T09:00:00.000Z" }],
      objects: [
        {
          bucket: "from-python", key: "report.csv", size: 42, etag: '"0123456789abcdef0123456789abcdef"', content_type: "text/csv",
          content_encoding: null, content_language: null, content_disposition: "attachment", cache_control: null, expires: null,
          storage_class: "STANDARD", acl: {}, user_metadata: { "x-amz-meta-origin": "python" }, last_modified: "2026-10-02T09:00:00.000Z", delete_marker: false,
        },
        {
          bucket: "missing-bucket", key: "orphan", size: 1, etag: '"00"', content_type: null, content_encoding: null, content_language: null,
          content_disposition: null, cache_control: null, expires: null, storage_class: "STANDARD", acl: {}, user_metadata: {},
          last_modified: "2026-10-02T09:00:00.000Z", delete_marker: false,
        },
      ],
      multipart_uploads: [],
      multipart_parts: [],
      credentials: [
        { access_key_id: "PYKEY", secret_key: "py-secret-key", owner_id: "py-owner", display_name: "py", active: true, created_at: "2026-10-01T08:00:00.000Z" },
        { access_key_id: "HIDDEN", secret_key: "REDACTED", owner_id: "x", display_name: "x", active: true, created_at: "2026-10-01T08:00:00.000Z" },
      ],
    };
    const file = join(work, "python.json");
    writeFileSync(file, JSON.stringify(fixture, null, 2));
    const dir = mkdtempSync(join(work, "python-"));
    const imported = await runCli(["meta", "import", "--data-dir", dir, "--input", "-"], { stdin: readFileSync(file, "utf8") });
    expect(imported.code).toBe(0);
    expect(imported.out).toBe("imported (merge): buckets 1, objects 1, multipart_uploads 0, multipart_parts 0, credentials 1, skipped 2\n");
    expect(imported.err).toContain("warning: object missing-bucket/orphan skipped: no bucket missing-bucket");
    expect(imported.err).toContain("warning: credential HIDDEN skipped: its secret is REDACTED");

    await using server = await startServer({ args: ["--data-dir", dir] });
    const s3 = awsClient(server.endpoint, { accessKeyId: "PYKEY", secretAccessKey: "py-secret-key" });
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(["from-python"]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "from-python", Key: "report.csv" }));
    expect(head).toMatchObject({ ContentLength: 42, ETag: '"0123456789abcdef0123456789abcdef"', ContentType: "text/csv", ContentDisposition: "attachment", Metadata: { origin: "python" } });
  });

  test("bad input: not JSON, not an export, an unknown table → one line, exit 1, nothing imported", async () => {
    const dir = mkdtempSync(join(work, "bad-"));
    const notJson = await runCli(["meta", "import", "--data-dir", dir], { stdin: "{nope" });
    expect(notJson.code).toBe(1);
    expect(notJson.err.trim().split("\n")).toHaveLength(1);
    expect(notJson.err).toContain("meta import: stdin is not JSON");
    const notExport = await runCli(["meta", "import", "--data-dir", dir], { stdin: '{"format":"other"}' });
    expect(notExport.code).toBe(1);
    expect(notExport.err.trim().split("\n")).toHaveLength(1);
    const table = await runCli(["meta", "export", "--data-dir", dir, "--tables", "buckets,nope"]);
    expect(table.code).toBe(1);
    expect(table.err).toContain('unknown table "nope"');
  });
});

// Metadata engines beyond sqlite, each behind a real server: the core e2e files, and the crash tests,
// run again with the metadata in that engine. The local engine also runs with a tiny compaction
// threshold, so snapshots are written all through the runs (and a kill -9 lands in some), and once
// killed by a failpoint half-way through writing a snapshot.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { CORE_E2E, runNestedSuite } from "./helpers/nested.ts";
import { migrationRoundTrip } from "./helpers/migration.ts";
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
    // The compaction starts once the log holds 200 lines (a PUT writes its record and its event: ~100
    // PUTs), up to 20 PUTs are in flight when it dies, and how many more land while it compacts depends
    // on the machine's load (145 to 160+ seen): at least 80 were acknowledged before it could start.
    expect(acknowledged.length).toBeGreaterThanOrEqual(80);
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

describe.skipIf(skip)("migration: sqlite → meta export → meta import into local → sqlite again", () => {
  test("each engine serves the same listings and objects, and the last export is the first", async () => {
    await migrationRoundTrip(
      { BLEEPSTORE_METADATA_ENGINE: "local" },
      { BLEEPSTORE_METADATA_ENGINE: "sqlite", BLEEPSTORE_METADATA_SQLITE_PATH: "metadata-again.db" },
    );
  });
});

describe.skipIf(skip)("--check with metadata.engine: local", () => {
  test("a writable directory → config OK; a directory under a file → one line naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bleepstore-check-local-"));
    try {
      const ok = await runCli(["--check", "--data-dir", dir, "--port", "0"], { env: { BLEEPSTORE_METADATA_ENGINE: "local" } });
      expect(ok.err).toBe("");
      expect(ok.out).toMatch(/"engine": "local"[\s\S]*config OK\n$/);
      writeFileSync(join(dir, "file"), "x");
      const bad = await runCli(["--check", "--port", "0"], { env: { BLEEPSTORE_METADATA_ENGINE: "local", BLEEPSTORE_METADATA_LOCAL_ROOT_DIR: join(dir, "file", "metadata") } });
      expect(bad.code).toBe(1);
      expect(bad.err.trim().split("\n")).toHaveLength(1);
      expect(bad.err).toContain(`metadata directory ${join(dir, "file", "metadata")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

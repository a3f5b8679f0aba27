// The set-up most e2e files share: a spawned server, an AWS SDK client for it and one bucket, made
// before the file's tests and removed after them.
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { awsClient, bucketName } from "./clients.ts";
import { startServer, type TestServer } from "./server.ts";

export interface ServerWithBucket {
  server: TestServer;
  s3: S3Client;
  bucket: string;
}

/** Registers the hooks; the server and client are there once beforeAll ran (the bucket name at once). */
export function serverWithBucket(label: string, options: Parameters<typeof startServer>[0] = {}): ServerWithBucket {
  const fixture = { bucket: bucketName(label) } as ServerWithBucket;
  beforeAll(async () => {
    fixture.server = await startServer(options);
    fixture.s3 = awsClient(fixture.server.endpoint);
    await fixture.s3.send(new CreateBucketCommand({ Bucket: fixture.bucket }));
  });
  afterAll(async () => {
    await fixture.server?.[Symbol.asyncDispose]();
  });
  return fixture;
}

export interface ServerWithWorkDir {
  server: TestServer;
  s3: S3Client;
  /** A temp directory of the file's own (client configs, files to upload), removed after it. */
  work: string;
}

/** Registers the hooks: a spawned server, an AWS SDK client for it and a temp directory named after `label`. */
export function serverWithWorkDir(label: string, options: Parameters<typeof startServer>[0] = {}): ServerWithWorkDir {
  const fixture = {} as ServerWithWorkDir;
  beforeAll(async () => {
    fixture.server = await startServer(options);
    fixture.s3 = awsClient(fixture.server.endpoint);
    fixture.work = mkdtempSync(join(tmpdir(), `bleepstore-${label}-`));
  });
  afterAll(async () => {
    await fixture.server?.[Symbol.asyncDispose]();
    if (fixture.work) rmSync(fixture.work, { recursive: true, force: true });
  });
  return fixture;
}

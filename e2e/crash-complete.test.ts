// kill -9 between CompleteMultipartUpload's commit and the clean-up of its parts (the failpoint
// "complete-committed" kills the server right there): after a restart the object is whole, no part
// data or part record is left once start-up recovery ran, and the outbox holds exactly one
// object.created event for it (committed with the object, delivered after the restart).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName } from "./helpers/clients.ts";
import { EXTERNAL_ENDPOINT, startServer, type TestServer } from "./helpers/server.ts";

setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
beforeAll(async () => {
  if (EXTERNAL_ENDPOINT) return;
  server = await startServer({ env: { BLEEPSTORE_FAILPOINT: "complete-committed" } });
  s3 = awsClient(server.endpoint);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const storedFiles = () =>
  readdirSync(join(server.dataDir, "objects")).filter((d) => d !== ".tmp").flatMap((d) => readdirSync(join(server.dataDir, "objects", d)));

test.skipIf(EXTERNAL_ENDPOINT !== undefined)("kill -9 after Complete committed: object whole, parts cleaned at restart, one object.created event", async () => {
  const bucket = bucketName("crashmp");
  const key = "assembled.bin";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const bodies = [new Uint8Array(5 * 1024 * 1024).fill(1), new Uint8Array(1234).fill(2)];
  const parts = [];
  for (const [i, Body] of bodies.entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body }));
    parts.push({ PartNumber: i + 1, ETag });
  }
  expect(storedFiles().length).toBe(2);
  // The server dies after the commit, before it answers: the client sees the connection go.
  const complete = s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  expect(await complete.then(() => "answered", () => "failed")).toBe("failed");
  await server.kill9();
  // The parts and the assembled object are all on disk: nothing was cleaned before the kill.
  expect(storedFiles().length).toBe(3);

  await server.restart({});
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = new Uint8Array(await got.Body!.transformToByteArray());
  expect(bytes.length).toBe(bodies[0]!.length + bodies[1]!.length);
  expect(bytes.subarray(0, bodies[0]!.length).every((b) => b === 1)).toBe(true);
  expect(bytes.subarray(bodies[0]!.length).every((b) => b === 2)).toBe(true);
  // Start-up recovery finished the clean-up before listening: only the object's data is left.
  expect(storedFiles().length).toBe(1);

  await server.kill9();
  const db = new Database(join(server.dataDir, "metadata.db"), { readonly: true });
  try {
    expect(db.query("SELECT count(*) AS n FROM parts").get()).toEqual({ n: 0 });
    const created = db.query("SELECT data FROM outbox WHERE type = 'object.created'").all() as Array<{ data: string }>;
    const forKey = created.filter((e) => (JSON.parse(e.data) as { key: string }).key === key);
    expect(forKey.length).toBe(1);
    expect(JSON.parse(forKey[0]!.data)).toMatchObject({ bucket, key, eventName: "s3:ObjectCreated:CompleteMultipartUpload" });
  } finally {
    db.close();
  }
});

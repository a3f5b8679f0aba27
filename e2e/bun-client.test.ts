// Bun's own S3Client against a spawned server.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { awsClient, bucketName, bunClient } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: Bun.S3Client;
beforeAll(async () => {
  server = await startServer();
  const bucket = bucketName("bun");
  await awsClient(server.endpoint).send(new CreateBucketCommand({ Bucket: bucket }));
  s3 = bunClient(server.endpoint, bucket);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe("Bun S3Client", () => {
  test("write, read, exists, size, stat, delete", async () => {
    await s3.write("notes/a.txt", "hello from bun", { type: "text/plain" });
    expect(await s3.file("notes/a.txt").text()).toBe("hello from bun");
    expect(await s3.exists("notes/a.txt")).toBe(true);
    expect(await s3.size("notes/a.txt")).toBe(14);
    const stat = await s3.stat("notes/a.txt");
    expect(stat.type).toStartWith("text/plain");
    expect(stat.etag).toBe(`"${new Bun.CryptoHasher("md5").update("hello from bun").digest("hex")}"`);
    await s3.delete("notes/a.txt");
    expect(await s3.exists("notes/a.txt")).toBe(false);
  });

  test("a binary body of 3 MiB round-trips and slices", async () => {
    const body = crypto.getRandomValues(new Uint8Array(3 * 1024 * 1024));
    await s3.write("bin", body);
    const back = new Uint8Array(await s3.file("bin").arrayBuffer());
    expect(Buffer.compare(back, body)).toBe(0);
    const slice = new Uint8Array(await s3.file("bin").slice(1000, 2000).arrayBuffer());
    expect(Buffer.compare(slice, body.subarray(1000, 2000))).toBe(0);
  });

  test("reading a missing key rejects with NoSuchKey", async () => {
    await expect(s3.file("missing").text()).rejects.toMatchObject({ code: "NoSuchKey" });
  });
});

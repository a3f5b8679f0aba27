// Virtual-hosted-style addressing: bucket.localhost:port with the AWS SDK (forcePathStyle off) and
// with signed raw requests.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { bucketName } from "./helpers/clients.ts";
import { ACCESS_KEY, EXTERNAL_ENDPOINT, SECRET_KEY, startServer, type TestServer } from "./helpers/server.ts";
import { signedFetch, signRequest } from "./helpers/sign.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let port = "";
beforeAll(async () => {
  server = await startServer();
  port = new URL(server.endpoint).port;
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/**
 * An SDK client in virtual-hosted mode against http://localhost:PORT. It signs for
 * "<bucket>.localhost:PORT"; the request is then sent to 127.0.0.1 with that Host header, since
 * node:dns (which the SDK's handler uses) does not resolve *.localhost everywhere.
 */
function virtualHostClient(): S3Client {
  const client = new S3Client({
    endpoint: `http://localhost:${port}`, region: "us-east-1", forcePathStyle: false, maxAttempts: 1,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { hostname: string; headers: Record<string, string> };
      expect(request.headers.host ?? request.hostname).toContain(".localhost");
      request.headers.host ??= `${request.hostname}:${port}`;
      request.hostname = "127.0.0.1";
      return next(args);
    },
    { step: "deserialize", name: "sendToLoopback" },
  );
  return client;
}

describe.skipIf(!!EXTERNAL_ENDPOINT)("virtual-hosted style", () => {
  test("the AWS SDK creates, writes, lists and reads through bucket.localhost", async () => {
    const s3 = virtualHostClient();
    const bucket = bucketName("vhost");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "dir/file.txt", Body: "virtual" }));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(list.Contents?.map((c) => c.Key)).toEqual(["dir/file.txt"]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/file.txt" }));
    expect(await got.Body!.transformToString()).toBe("virtual");
    // The same object is reachable path-style.
    const pathStyle = await signedFetch(`${server.endpoint}/${bucket}/dir/file.txt`);
    expect(await pathStyle.text()).toBe("virtual");
  });

  test("a signed raw request with a bucket Host header", async () => {
    const bucket = bucketName("vraw");
    await signedFetch(`${server.endpoint}/${bucket}`, { method: "PUT" });
    await signedFetch(`${server.endpoint}/${bucket}/k`, { method: "PUT", body: "via host" });
    const init = signRequest(`http://${bucket}.localhost:${port}/k`);
    const res = await fetch(`${server.endpoint}/k`, init);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("via host");
    const anonymous = await fetch(`${server.endpoint}/k`, { headers: { host: `${bucket}.localhost:${port}` } });
    expect(anonymous.status).toBe(403);
  });
});

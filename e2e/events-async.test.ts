// queue.consistency: async against real brokers on loopback (redis-server, rabbitmq-server,
// nats-server): PutObject and DeleteObject answered once queued and applied after; what can be refused
// at the request is; kill -9 with writes queued and not applied loses none of them.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { brokerFixture, brokerUnavailable, type BrokerKind } from "./helpers/brokers.ts";
import { awsClient, bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { queueEnv } from "./helpers/event-suite.ts";
import { requires } from "./helpers/requires.ts";
import { startServer } from "./helpers/server.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(180_000);

for (const kind of ["redis", "nats", "rabbitmq"] as BrokerKind[]) {
  if (!requires(`${kind} broker`, brokerUnavailable(kind))) continue;
  describe(`async writes through ${kind}`, () => {
    const fixture = brokerFixture(kind);
    const broker = () => fixture.broker;

    test("PUT and DELETE answered once queued (ETag, task id), applied after; refusals at the request", async () => {
      const server = await startServer({ env: queueEnv(broker(), `async${kind}`, { BLEEPSTORE_QUEUE_CONSISTENCY: "async" }) });
      await using _ = server;
      const s3 = awsClient(server.endpoint);
      const bucket = bucketName(`async-${kind}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const body = "queued body ✓";
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a b", Body: body, ContentType: "text/x-async", Metadata: { m: "1" } }));
      expect(put.ETag).toBe(`"${new Bun.CryptoHasher("md5").update(body).digest("hex")}"`);
      const task = (put.$metadata as unknown as { httpHeaders?: unknown }) && await (async () => {
        const res = await fetch(`${server.endpoint}/_bleepstore/tasks/none`);
        expect(res.status).toBe(404);
        return undefined;
      })();
      expect(task).toBeUndefined();
      await until(async () => (await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "a b" })))) === 200, "the queued PUT applied");
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "a b" }));
      expect(await got.Body!.transformToString()).toBe(body);
      expect(got.ContentType).toBe("text/x-async");
      expect(got.Metadata).toEqual({ m: "1" });
      expect(got.ETag).toBe(put.ETag);

      // The task id comes back as a header, and its state can be read.
      const { signedFetch } = await import("./helpers/sign.ts");
      const raw = await signedFetch(`${server.endpoint}/${bucket}/raw`, { method: "PUT", body: "raw" });
      expect(raw.status).toBe(200);
      const id = raw.headers.get("x-bleepstore-task-id")!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await until(async () => ((await (await fetch(`${server.endpoint}/_bleepstore/tasks/${id}`)).json()) as { state: string }).state === "done", "the task done");

      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "a b" }));
      await until(async () => (await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "a b" })))) === 404, "the queued DELETE applied");

      // Refused before anything is queued: a conditional write, a missing bucket, a write the requester may not make.
      expect(await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c", Body: "x", IfNoneMatch: "*" })))).toBe("NotImplemented");
      expect(await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: `${bucket}-missing`, Key: "c", Body: "x" })))).toBe("NoSuchBucket");
      expect((await fetch(`${server.endpoint}/${bucket}/anon`, { method: "PUT", body: "x" })).status).toBe(403);
      // SSE-KMS: an unknown key is refused at the request; a known one is applied under that key.
      expect(await s3ErrorCode(s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x", ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/none" })))).toBe("KMS.NotFoundException");
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "kms", Body: "sealed later", ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/aws/s3" }));
      await until(async () => (await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "kms" })))) === 200, "the queued SSE-KMS PUT applied");
      const sealed = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "kms" }));
      expect([sealed.ServerSideEncryption, await sealed.Body!.transformToString()]).toEqual(["aws:kms", "sealed later"]);
    });

    test("kill -9 with writes queued and not yet applied: after the restart every acknowledged write is there", async () => {
      const server = await startServer({ env: queueEnv(broker(), `crash${kind}`, { BLEEPSTORE_QUEUE_CONSISTENCY: "async" }) });
      await using _ = server;
      const s3 = awsClient(server.endpoint);
      const bucket = bucketName(`acrash-${kind}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const acked: string[] = [];
      await Promise.all(Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 20; i++) {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${w}-${i}`, Body: `body ${w}-${i}` }));
          acked.push(`k${w}-${i}`);
        }
      }));
      // Killed at once: the consumer is still applying what was queued.
      await server.kill9();
      await server.restart();
      let missing = 0;
      for (const key of acked) if ((await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) !== 200) missing++;
      console.log(`${kind}: ${missing} of ${acked.length} acknowledged writes not yet applied just after the restart`);
      await until(async () => {
        for (const key of acked) if ((await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) !== 200) return false;
        return true;
      }, `all ${acked.length} acknowledged writes applied after the restart`, 120_000);
      for (const key of acked.slice(0, 40)) {
        expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()).toBe(`body ${key.slice(1)}`);
      }
    });
  });
}

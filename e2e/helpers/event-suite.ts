// The event tests every broker kind runs (e2e/events-<kind>.test.ts): a real broker on loopback, a
// BleepStore publishing to it, and the broker's own client reading what arrived.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  DeleteObjectsCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand,
  PutObjectCommand, PutObjectTaggingCommand, UploadPartCommand, type S3Client,
} from "@aws-sdk/client-s3";
import { brokerFixture, brokerUnavailable, type Broker, type BrokerKind, type Received } from "./brokers.ts";
import { awsClient, bucketName, s3ErrorCode } from "./clients.ts";
import { requires } from "./requires.ts";
import { startServer, type TestServer } from "./server.ts";
import { until } from "./until.ts";

/** The server env that sends the family's queue to `broker` under `name`. */
export function queueEnv(broker: Broker, name: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { BLEEPSTORE_QUEUE_ENABLED: "true", BLEEPSTORE_QUEUE_BACKEND: broker.kind, BLEEPSTORE_QUEUE_REDIS_RETRY_DELAY_MS: "100", ...extra };
  switch (broker.kind) {
    case "redis":
      return { ...env, BLEEPSTORE_QUEUE_REDIS_URL: broker.url, BLEEPSTORE_QUEUE_REDIS_STREAM_PREFIX: name };
    case "rabbitmq":
      return { ...env, BLEEPSTORE_QUEUE_RABBITMQ_URL: broker.url, BLEEPSTORE_QUEUE_RABBITMQ_EXCHANGE: name, BLEEPSTORE_QUEUE_RABBITMQ_QUEUE_PREFIX: name };
    case "nats":
      return { ...env, BLEEPSTORE_QUEUE_NATS_URL: broker.url, BLEEPSTORE_QUEUE_NATS_SUBJECT_PREFIX: name, BLEEPSTORE_QUEUE_NATS_STREAM: name.toUpperCase().replace(/[^A-Z0-9_-]/g, "_") };
    case "webhook":
      return { ...env, BLEEPSTORE_QUEUE_WEBHOOK_URL: `${broker.url}/${name}` };
  }
}

interface Envelope {
  id: string;
  type: string;
  timestamp: string;
  source: string;
  request_id: string;
  data: Record<string, unknown>;
}

const envelopes = (got: Received[]) => got.map((m) => m.body as Envelope);

/** Each event once (at least once allows duplicates; they are counted apart). */
function distinct(got: Received[]): { events: Envelope[]; duplicates: number } {
  const seen = new Set<string>();
  const events: Envelope[] = [];
  for (const e of envelopes(got)) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    events.push(e);
  }
  return { events, duplicates: got.length - events.length };
}

export function eventSuite(kind: BrokerKind): void {
  if (!requires(`${kind} broker`, brokerUnavailable(kind))) return;
  // Real brokers and servers on a loaded 2-core machine; the outage test alone waits 10 s.
  setDefaultTimeout(180_000);
  const fixture = brokerFixture(kind);
  const broker = () => fixture.broker;

  async function serverFor(name: string, extra: Record<string, string> = {}): Promise<{ server: TestServer; s3: S3Client }> {
    const server = await startServer({ env: queueEnv(broker(), name, extra) });
    return { server, s3: awsClient(server.endpoint) };
  }

  /** The notifications.targets entry that sends to this broker under `name`. */
  const target = (id: string, name: string) =>
    ({ id, kind, url: kind === "webhook" ? `${broker().url}/${name}` : broker().url, name, ...(kind === "webhook" ? { secret: "s3cret" } : {}) });

  describe(`events to ${kind}`, () => {
    test("PUT, COPY, Complete, DELETE, DeleteObjects and versioned deletes each publish exactly their events, in commit order", async () => {
      const name = `ops${kind}`;
      const { server, s3 } = await serverFor(name);
      await using _ = server;
      const bucket = bucketName(`ev-${kind}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a b.txt", Body: "hello", ContentType: "text/plain" }));
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "b", CopySource: `${bucket}/a%20b.txt` }));
      const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "m" }));
      const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "m", UploadId: mpu.UploadId, PartNumber: 1, Body: "part" }));
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "m", UploadId: mpu.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "b" }));
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "a b.txt" }, { Key: "m" }] } }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
      const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "v", Body: "1" }));
      const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "v" }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "v", VersionId: v1.VersionId }));

      const objectEvents = async () => distinct(await broker().received(name)).events.filter((e) => e.type.startsWith("object.") && e.data.bucket === bucket);
      await until(async () => (await objectEvents()).length >= 9, "nine object events at the broker");
      const events = await objectEvents();
      expect(events.map((e) => [e.type, e.data.key, e.data.event_name])).toEqual([
        ["object.created", "a b.txt", "s3:ObjectCreated:Put"],
        ["object.created", "b", "s3:ObjectCreated:Copy"],
        ["object.created", "m", "s3:ObjectCreated:CompleteMultipartUpload"],
        ["object.deleted", "b", "s3:ObjectRemoved:Delete"],
        ["object.deleted", "a b.txt", "s3:ObjectRemoved:Delete"],
        ["object.deleted", "m", "s3:ObjectRemoved:Delete"],
        ["object.created", "v", "s3:ObjectCreated:Put"],
        ["object.deleted", "v", "s3:ObjectRemoved:DeleteMarkerCreated"],
        ["object.deleted", "v", "s3:ObjectRemoved:Delete"],
      ]);
      // The family envelope: every field, the node as source, the put's details and versions.
      const first = events[0]!;
      expect(Object.keys(first).sort()).toEqual(["data", "id", "request_id", "source", "timestamp", "type"]);
      expect(first.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(first.source).toMatch(/^node-/);
      expect(first.request_id).not.toBe("");
      expect(first.data).toMatchObject({ size: 5, etag: put.ETag!.replace(/"/g, ""), content_type: "text/plain" });
      expect(events[7]!.data).toMatchObject({ version_id: marker.VersionId, delete_marker: true });
      expect(events[8]!.data).toMatchObject({ version_id: v1.VersionId, delete_marker: false });
      // Each event's id is unique, and the ids the broker carries are the events' own.
      const got = await broker().received(name);
      for (const m of got) expect(m.id).toBe((m.body as Envelope).id);
      // Besides object events: the bucket's and the upload's own.
      const types = new Set(distinct(got).events.filter((e) => e.data.bucket === bucket).map((e) => e.type));
      for (const t of ["bucket.created", "multipart.created", "part.uploaded", "multipart.completed", "bucket.versioning.updated"]) expect(types).toContain(t);
    });

    test("bucket notifications: rules by ARN with event and key filters send AWS's event records; saving one sends s3:TestEvent", async () => {
      const name = `notify${kind}`;
      const id = `t-${kind}`;
      const server = await startServer({ env: { BLEEPSTORE_NOTIFICATIONS_TARGETS: JSON.stringify([target(id, name)]) } });
      await using _ = server;
      const s3 = awsClient(server.endpoint);
      const bucket = bucketName(`nt-${kind}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const arn = `arn:bleepstore:sqs:us-east-1::${id}`;
      // S3's refusals: a destination that is not configured, an event S3 does not have, overlapping rules.
      const configure = (config: ConstructorParameters<typeof PutBucketNotificationConfigurationCommand>[0]["NotificationConfiguration"]) =>
        s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: config }));
      expect(await s3ErrorCode(configure({ QueueConfigurations: [{ QueueArn: "arn:bleepstore:sqs:us-east-1::nope", Events: ["s3:ObjectCreated:*"] }] }))).toBe("InvalidArgument");
      expect(await s3ErrorCode(configure({ QueueConfigurations: [{ QueueArn: arn, Events: ["s3:ObjectExploded:*" as never] }] }))).toBe("InvalidArgument");
      expect(await s3ErrorCode(configure({
        QueueConfigurations: [{ QueueArn: arn, Events: ["s3:ObjectCreated:*"] }, { QueueArn: arn, Events: ["s3:ObjectCreated:Put"] }],
      }))).toBe("InvalidArgument");
      await configure({
        QueueConfigurations: [{
          Id: "images", QueueArn: arn, Events: ["s3:ObjectCreated:*"],
          Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "img/" }, { Name: "suffix", Value: ".jpg" }] } },
        }],
        TopicConfigurations: [{ Id: "removals", TopicArn: arn, Events: ["s3:ObjectRemoved:Delete"] }],
        LambdaFunctionConfigurations: [{ Id: "tags", LambdaFunctionArn: arn, Events: ["s3:ObjectTagging:*"], Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "doc/" }] } } }],
      });
      const saved = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
      // AWS answers the filter names capitalised, whatever case they were sent in.
      expect(saved.QueueConfigurations as unknown).toEqual([{
        Id: "images", QueueArn: arn, Events: ["s3:ObjectCreated:*"],
        Filter: { Key: { FilterRules: [{ Name: "Prefix", Value: "img/" }, { Name: "Suffix", Value: ".jpg" }] } },
      }]);
      expect(saved.TopicConfigurations?.map((c) => [c.Id, c.TopicArn, c.Events])).toEqual([["removals", arn, ["s3:ObjectRemoved:Delete"]]]);
      expect(saved.LambdaFunctionConfigurations?.map((c) => [c.Id, c.LambdaFunctionArn])).toEqual([["tags", arn]]);

      for (const key of ["img/a b.jpg", "img/b.png", "doc/c.jpg"]) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "data" }));
      await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: "doc/c.jpg", Tagging: { TagSet: [{ Key: "k", Value: "v" }] } }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "img/a b.jpg" }));
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "doc/c.jpg" }));

      type Message = { Event?: string; Bucket?: string; Records?: Array<Record<string, any>> };
      const messages = async () => (await broker().received(name)).map((m) => ({ id: m.id, body: m.body as Message }));
      await until(async () => (await messages()).filter((m) => m.body.Records).length >= 4, "four event records at the target");
      const got = await messages();
      const test = got.filter((m) => m.body.Event === "s3:TestEvent");
      expect(test.length).toBeGreaterThanOrEqual(1);
      expect(test[0]!.body.Bucket).toBe(bucket);
      const records = got.filter((m) => m.body.Records).map((m) => m.body.Records![0]!);
      expect(records.map((r) => [r.eventName, r.s3.object.key, r.s3.configurationId])).toEqual([
        ["ObjectCreated:Put", "img/a+b.jpg", "images"],
        ["ObjectTagging:Put", "doc/c.jpg", "tags"],
        ["ObjectRemoved:Delete", "img/a+b.jpg", "removals"],
        ["ObjectRemoved:Delete", "doc/c.jpg", "removals"],
      ]);
      const put = records[0]!;
      expect(put).toMatchObject({ eventVersion: "2.1", eventSource: "aws:s3", awsRegion: "us-east-1" });
      expect(put.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(put.s3.bucket).toMatchObject({ name: bucket, arn: `arn:aws:s3:::${bucket}` });
      expect(put.s3.object).toMatchObject({ size: 4, eTag: new Bun.CryptoHasher("md5").update("data").digest("hex") });
      expect(put.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
      expect(put.requestParameters.sourceIPAddress).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
      expect(put.userIdentity.principalId).not.toBe("anonymous");
      // Records of one key are ordered by their sequencer, as S3's are.
      expect(records[2]!.s3.object.sequencer > put.s3.object.sequencer).toBe(true);
      // Removing every rule: nothing more is sent.
      await configure({});
      expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).QueueConfigurations).toBeUndefined();
    });

    test("the broker stopped for 10 s during 1,000 PUTs: every PUT answers 200 at once, every event arrives once it is back", async () => {
      const name = `outage${kind}`;
      const { server, s3 } = await serverFor(name);
      await using _ = server;
      const bucket = bucketName(`out-${kind}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const total = 1000;
      let acknowledged = 0;
      let slowest = 0;
      const statuses: number[] = [];
      let next = 0;
      const writer = async () => {
        while (next < total) {
          const i = next++;
          const started = performance.now();
          const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${String(i).padStart(4, "0")}`, Body: "x" }));
          slowest = Math.max(slowest, performance.now() - started);
          statuses.push(res.$metadata.httpStatusCode!);
          acknowledged++;
          // Paced so that the writes span the outage.
          await Bun.sleep(25);
        }
      };
      const writing = Promise.all([writer(), writer()]);
      await until(() => acknowledged >= 100, "100 PUTs acknowledged");
      await broker().stop();
      const stoppedAt = acknowledged;
      await Bun.sleep(10_000);
      const duringOutage = acknowledged - stoppedAt;
      await broker().start();
      await writing;
      expect(statuses.length).toBe(total);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(duringOutage).toBeGreaterThan(100);
      const created = async () => {
        const { events, duplicates } = distinct(await broker().received(name));
        return { keys: new Set(events.filter((e) => e.type === "object.created" && e.data.bucket === bucket).map((e) => String(e.data.key))), duplicates };
      };
      await until(async () => (await created()).keys.size === total, `all ${total} object.created events at the broker`, 120_000);
      const { duplicates } = await created();
      console.log(`${kind}: ${duringOutage} PUTs answered while the broker was down; slowest PUT ${Math.round(slowest)} ms; ${duplicates} duplicate deliveries (at least once)`);
    });

    test("kill -9 while events wait for the broker and while they are being delivered: every event of an acknowledged write arrives after restart", async () => {
      const name = `crash${kind}`;
      const { server, s3 } = await serverFor(name);
      await using _ = server;
      const bucket = bucketName(`crash-${kind}`);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const createdKeys = async () => new Set(distinct(await broker().received(name)).events
        .filter((e) => e.type === "object.created" && e.data.bucket === bucket).map((e) => String(e.data.key)));
      // 1. The broker down: the events wait in the outbox only; the process dies; both come back.
      await broker().stop();
      for (let i = 0; i < 50; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `w${i}`, Body: "w" }));
      await server.kill9();
      await broker().start();
      await server.restart();
      await until(async () => [...await createdKeys()].filter((k) => k.startsWith("w")).length === 50, "the 50 events that waited in the outbox", 60_000);
      // 2. Writers busy and delivery under way when the process dies.
      const acked = new Set<string>();
      let stop = false;
      const writers = Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const key = `d${w}-${i}`;
          try {
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "y" }));
            acked.add(key);
          } catch {
            return;
          }
        }
      });
      await until(() => acked.size >= 150 + Math.floor(Math.random() * 100), "writes acknowledged before the kill");
      await server.kill9();
      stop = true;
      await Promise.all(writers);
      const atKill = [...await createdKeys()].filter((k) => acked.has(k)).length;
      await server.restart();
      await until(async () => {
        const got = await createdKeys();
        return [...acked].every((k) => got.has(k));
      }, `all ${acked.size} acknowledged PUTs' events at the broker after the restart`, 60_000);
      console.log(`${kind}: ${atKill} of ${acked.size} acknowledged writes' events had arrived at the kill; the rest after the restart`);
    });
  });
}

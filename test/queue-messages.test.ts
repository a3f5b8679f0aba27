// What goes on the wire for an event, per target kind, without a broker: the family envelope, AWS's S3
// event record, the Kafka records and producer options (no Kafka broker can be installed on the
// machines this is tested on: README), the webhook signature, and which rules select which events.
import { describe, expect, test } from "bun:test";
import type { StoredEvent } from "../src/metadata/events.ts";
import { kafkaMessages, kafkaProducerOptions, kafkaTopic } from "../src/queue/kafka.ts";
import { envelope, eventKey, s3Record, sequencer } from "../src/queue/messages.ts";
import { eventMatches, ruleMatches } from "../src/queue/routing.ts";
import { signature } from "../src/queue/webhook.ts";
import { parseNotification } from "../src/server/operations/bucket-notification.ts";

const event: StoredEvent = {
  id: "e1", type: "object.created", timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 6), requestId: "R1", seq: 255, delivered: false,
  data: { bucket: "b", key: "a b/ü+c.txt", versionId: "null", size: 3, etag: "abc", contentType: "text/plain", eventName: "s3:ObjectCreated:Put", requester: "owner1", sourceIp: "127.0.0.1" },
};

describe("messages", () => {
  test("the family envelope: snake_case data, ISO time with ms, the node as source, no requester or address", () => {
    const m = envelope(event, "node-1");
    expect(m).toMatchObject({ id: "e1", type: "object.created", bucket: "b" });
    expect(JSON.parse(m.body)).toEqual({
      id: "e1", type: "object.created", timestamp: "2026-01-02T03:04:05.006Z", source: "node-1", request_id: "R1",
      data: { bucket: "b", key: "a b/ü+c.txt", version_id: "null", size: 3, etag: "abc", content_type: "text/plain", event_name: "s3:ObjectCreated:Put" },
    });
  });

  test("AWS's S3 event record: URL-encoded key, sequencer, no versionId for unversioned objects, an id per configuration", () => {
    const m = s3Record(event, "s3:ObjectCreated:Put", { region: "us-east-1", configurationId: "cfg", ownerId: "o" });
    expect(m.id).toBe("e1:cfg");
    const r = JSON.parse(m.body).Records[0];
    expect(r).toMatchObject({ eventVersion: "2.1", eventSource: "aws:s3", eventName: "ObjectCreated:Put", eventTime: "2026-01-02T03:04:05.006Z" });
    expect(r.s3.object).toEqual({ key: "a+b/%C3%BC%2Bc.txt", size: 3, eTag: "abc", sequencer: "00000000000000FF" });
    expect(r.userIdentity.principalId).toBe("owner1");
    expect(r.requestParameters.sourceIPAddress).toBe("127.0.0.1");
    expect(eventKey("x y/z")).toBe("x+y/z");
    expect(sequencer(16)).toBe("0000000000000010");
  });

  test("Kafka: a topic per type with only the characters Kafka allows, the bucket as key, the id as header", () => {
    expect(kafkaTopic("bleepstore", "object.created")).toBe("bleepstore.object.created");
    expect(kafkaTopic("n", "s3:ObjectCreated:Put")).toBe("n.s3.ObjectCreated.Put");
    const [record] = kafkaMessages("bleepstore", [envelope(event, "node-1")]);
    expect(record!.topic).toBe("bleepstore.object.created");
    expect(record!.key).toBe("b");
    expect((record!.headers as Map<string, string>).get("id")).toBe("e1");
  });

  test("Kafka: an idempotent producer with acks=all by default; fewer acks cannot be idempotent", () => {
    const base = { kind: "kafka" as const, url: "h1:9092,h2:9092", name: "bleepstore" };
    const all = kafkaProducerOptions({ ...base, kafka: { brokers: ["h1:9092", "h2:9092"], clientId: "c", acks: "all", partitions: 3, replicationFactor: 1 } });
    expect(all).toMatchObject({ clientId: "c", bootstrapBrokers: ["h1:9092", "h2:9092"], idempotent: true, acks: -1 });
    const one = kafkaProducerOptions({ ...base, kafka: { brokers: ["h1:9092"], clientId: "c", acks: "1", partitions: 3, replicationFactor: 1 } });
    expect(one).toMatchObject({ idempotent: false, acks: 1 });
  });

  test("webhook signature: sha256= and the hex HMAC-SHA256 of the body", () => {
    const expected = new Bun.CryptoHasher("sha256", "k").update("{}").digest("hex");
    expect(signature("k", "{}")).toBe(`sha256=${expected}`);
  });
});

describe("notification rules", () => {
  test("event names match exactly or by a family's *", () => {
    expect(eventMatches("s3:ObjectCreated:*", "s3:ObjectCreated:Copy")).toBe(true);
    expect(eventMatches("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy")).toBe(false);
    expect(eventMatches("s3:ObjectRemoved:*", "s3:ObjectCreated:Put")).toBe(false);
  });

  test("prefix and suffix both have to match (raw or URL-encoded key)", () => {
    const rule = { id: "r", kind: "Queue" as const, arn: "a", target: "t", events: ["s3:ObjectCreated:*"], prefix: "img/", suffix: ".jpg" };
    expect(ruleMatches(rule, "s3:ObjectCreated:Put", "img/a.jpg")).toBe(true);
    expect(ruleMatches(rule, "s3:ObjectCreated:Put", "img/a.png")).toBe(false);
    expect(ruleMatches(rule, "s3:ObjectCreated:Put", "doc/a.jpg")).toBe(false);
    expect(ruleMatches({ ...rule, prefix: "my+dir/" }, "s3:ObjectCreated:Put", "my dir/a.jpg")).toBe(true);
  });

  test("parsing a configuration: the three kinds, filters in either case, refusals", () => {
    const rules = parseNotification(`<NotificationConfiguration><QueueConfiguration><Id>q</Id><Queue>arn:x</Queue><Event>s3:ObjectCreated:*</Event>
      <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>p/</Value></FilterRule></S3Key></Filter></QueueConfiguration>
      <CloudFunctionConfiguration><CloudFunction>arn:y</CloudFunction><Event>s3:ObjectRemoved:Delete</Event><Event>s3:ObjectTagging:Put</Event></CloudFunctionConfiguration>
      </NotificationConfiguration>`);
    expect(rules[0]).toEqual({ id: "q", kind: "Queue", arn: "arn:x", events: ["s3:ObjectCreated:*"], prefix: "p/" });
    expect(rules[1]).toMatchObject({ kind: "CloudFunction", arn: "arn:y", events: ["s3:ObjectRemoved:Delete", "s3:ObjectTagging:Put"] });
    expect(rules[1]!.id.length).toBeGreaterThan(0);
    expect(parseNotification("<NotificationConfiguration/>")).toEqual([]);
    expect(() => parseNotification("<NotificationConfiguration><QueueConfiguration><Queue>a</Queue></QueueConfiguration></NotificationConfiguration>")).toThrow();
    expect(() => parseNotification("<NotificationConfiguration><EventBridgeConfiguration/></NotificationConfiguration>")).toThrow(/EventBridge/);
    expect(() => parseNotification(`<NotificationConfiguration><QueueConfiguration><Queue>a</Queue><Event>s3:ObjectCreated:*</Event>
      <Filter><S3Key><FilterRule><Name>middle</Name><Value>x</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`)).toThrow(/prefix or suffix/);
  });
});

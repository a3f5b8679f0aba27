// What S3 tells clients of a bucket's lifecycle rules, with real days (the default lifecycle.day_seconds):
// x-amz-expiration (expiry-date at midnight UTC after the object's age reaches Days, or the rule's Date;
// the rule id URL-encoded) on PUT, GET, HEAD, CopyObject and CompleteMultipartUpload of a matching
// object, none on one no rule matches; x-amz-abort-date and x-amz-abort-rule-id on CreateMultipartUpload
// and UploadPart of an upload a rule will abort.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  PutBucketLifecycleConfigurationCommand, PutObjectCommand, UploadPartCommand,
} from "@aws-sdk/client-s3";
import { serverWithBucket } from "./helpers/fixture.ts";
import { signedFetch } from "./helpers/sign.ts";

setDefaultTimeout(60_000);
const fx = serverWithBucket("lch");
const DAY = 86_400_000;

/** S3's expiry for an object last modified at `modified` (whole seconds, as HEAD gives it) with a rule of `days`. */
const midnightAfter = (modified: Date, days: number) => new Date(Math.ceil((modified.getTime() + days * DAY) / DAY) * DAY).toUTCString();
const expiration = (date: string, rule: string) => `expiry-date="${date}", rule-id="${encodeURIComponent(rule)}"`;

describe("lifecycle headers", () => {
  test("x-amz-expiration on PUT, GET, HEAD, CopyObject and Complete of matching objects, exact; none elsewhere", async () => {
    const { s3, bucket } = fx;
    await s3.send(new PutBucketLifecycleConfigurationCommand({
      Bucket: bucket, LifecycleConfiguration: {
        Rules: [
          { ID: "logs rule/30", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } },
          { ID: "dated", Status: "Enabled", Filter: { Prefix: "d/" }, Expiration: { Date: new Date("2030-01-01T00:00:00Z") } },
          { ID: "tagged", Status: "Enabled", Filter: { And: { Prefix: "t/", Tags: [{ Key: "x", Value: "y" }] } }, Expiration: { Days: 5 } },
          { ID: "off", Status: "Disabled", Filter: { Prefix: "off/" }, Expiration: { Days: 1 } },
          { ID: "abort-7", Status: "Enabled", Filter: { Prefix: "up/" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
        ],
      },
    }));

    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "logs/a", Body: "a" }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "logs/a" }));
    const want = expiration(midnightAfter(head.LastModified!, 30), "logs rule/30");
    expect(put.Expiration).toBe(want);
    expect(head.Expiration).toBe(want);
    expect((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "logs/a" }))).Expiration).toBe(want);

    const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "logs/b", CopySource: `${bucket}/logs/a` }));
    expect(copy.Expiration).toBe(expiration(midnightAfter(copy.CopyObjectResult!.LastModified!, 30), "logs rule/30"));

    expect((await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "d/x", Body: "x" }))).Expiration).toBe(expiration("Tue, 01 Jan 2030 00:00:00 GMT", "dated"));
    const tagged = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "t/yes", Body: "x", Tagging: "x=y" }));
    expect(tagged.Expiration).toBe(expiration(midnightAfter((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "t/yes" }))).LastModified!, 5), "tagged"));
    for (const [Key, Tagging] of [["t/no", "x=z"], ["off/a", undefined], ["other/a", undefined]] as const) {
      expect((await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: "x", ...(Tagging ? { Tagging } : {}) }))).Expiration).toBeUndefined();
      expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))).Expiration).toBeUndefined();
    }

    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "logs/mp" }));
    expect(mp.AbortDate).toBeUndefined();
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: "logs/mp", UploadId: mp.UploadId, PartNumber: 1, Body: "p" }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: "logs/mp", UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(done.Expiration).toBe(expiration(midnightAfter((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "logs/mp" }))).LastModified!, 30), "logs rule/30"));
  });

  test("x-amz-abort-date and x-amz-abort-rule-id on CreateMultipartUpload and UploadPart of a matching upload", async () => {
    const { s3, bucket } = fx;
    const before = Date.now();
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "up/u" }));
    const after = Date.now();
    // Midnight UTC after initiation + 7 days (the initiation time is not sent back; it is within before..after).
    const candidates = new Set([before, after].map((t) => Math.ceil((t + 7 * DAY) / DAY) * DAY));
    expect(mp.AbortRuleId).toBe("abort-7");
    expect(candidates.has(mp.AbortDate!.getTime())).toBe(true);
    const res = await signedFetch(`${fx.server.endpoint}/${bucket}/up/u?partNumber=1&uploadId=${mp.UploadId}`, { method: "PUT", body: "part" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-abort-date")).toBe(mp.AbortDate!.toUTCString());
    expect(res.headers.get("x-amz-abort-rule-id")).toBe("abort-7");
  });
});

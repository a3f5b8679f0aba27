// Lifecycle with a one-second day (lifecycle.day_seconds: 1, a pass every second): S3's validation of
// the configuration, and the rules applied key by key through the S3 API — expiration by prefix, tag
// and size, noncurrent versions beyond NewerNoncurrentVersions, a delete marker left alone, stale
// uploads — while what the rules do not name, and a COMPLIANCE-locked version, stay.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketLifecycleCommand, DeleteObjectCommand, GetBucketLifecycleConfigurationCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListObjectVersionsCommand, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand,
  PutObjectCommand, type LifecycleRule,
} from "@aws-sdk/client-s3";
import { bucketName, s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { serverWithWorkDir } from "./helpers/fixture.ts";
import { runCli } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";
import { until } from "./helpers/until.ts";

setDefaultTimeout(60_000);
const fx = serverWithWorkDir("lifecycle", { env: { BLEEPSTORE_LIFECYCLE_DAY_SECONDS: "1", BLEEPSTORE_LIFECYCLE_INTERVAL_SECONDS: "1" } });

async function fresh(label: string, versioned = false): Promise<string> {
  const bucket = bucketName(label);
  await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (versioned) await fx.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  return bucket;
}
const rules = (Bucket: string, Rules: LifecycleRule[]) => fx.s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
const present = async (Bucket: string, Key: string) => (await s3Status(fx.s3.send(new HeadObjectCommand({ Bucket, Key })))) === 200;

describe("lifecycle configuration", () => {
  test("S3's validation: each error code; a valid configuration round-trips; Delete", async () => {
    const bucket = await fresh("lcv");
    expect(await s3ErrorCode(fx.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).toBe("NoSuchLifecycleConfiguration");
    const put = (xml: string) => signedFetch(`${fx.server.endpoint}/${bucket}?lifecycle`, { method: "PUT", body: xml });
    const code = async (xml: string) => /<Code>([^<]+)</.exec(await (await put(xml)).text())?.[1];
    const rule = (inner: string, id = "r") => `<Rule><ID>${id}</ID><Status>Enabled</Status><Filter><Prefix>p/</Prefix></Filter>${inner}</Rule>`;
    const doc = (...r: string[]) => `<LifecycleConfiguration>${r.join("")}</LifecycleConfiguration>`;
    expect(await code(doc())).toBe("MalformedXML");
    expect(await code(doc(rule("<Expiration><Days>0</Days></Expiration>")))).toBe("InvalidArgument");
    expect(await code(doc(rule("<Expiration><Days>1</Days></Expiration>"), rule("<Expiration><Days>2</Days></Expiration>")))).toBe("InvalidArgument");
    expect(await code(doc(rule("<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>")))).toBe("InvalidArgument");
    expect(await code(doc(rule("")))).toBe("InvalidRequest");
    expect(await code(doc(rule("<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>")))).toBe("MalformedXML");
    expect(await code(doc(rule("<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>")))).toBe("NotImplemented");
    expect(await code(doc(rule("<Expiration><Days>1</Days></Expiration>", "x".repeat(256))))).toBe("InvalidArgument");
    expect(await s3ErrorCode(fx.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).toBe("NoSuchLifecycleConfiguration");

    const valid: LifecycleRule[] = [
      { ID: "logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } },
      { ID: "old", Status: "Disabled", Filter: { And: { Prefix: "a/", Tags: [{ Key: "t", Value: "1" }], ObjectSizeGreaterThan: 10 } }, NoncurrentVersionExpiration: { NoncurrentDays: 3, NewerNoncurrentVersions: 2 } },
      { ID: "uploads", Status: "Enabled", Filter: { Prefix: "" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
      { ID: "dated", Status: "Enabled", Filter: { Prefix: "d/" }, Expiration: { Date: new Date("2030-01-01T00:00:00Z") } },
    ];
    await rules(bucket, valid);
    expect((await fx.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules).toEqual(valid);
    await fx.s3.send(new DeleteBucketLifecycleCommand({ Bucket: bucket }));
    expect(await s3ErrorCode(fx.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))).toBe("NoSuchLifecycleConfiguration");
  });
});

describe("lifecycle applied (a day is a second)", () => {
  test("expiration by prefix, tag and size: exactly the matching objects go", async () => {
    const bucket = await fresh("lce");
    for (const [key, body, tag] of [["tmp/a", "x", ""], ["keep/b", "x", ""], ["t/yes", "x", "expire=yes"], ["t/no", "x", "expire=no"], ["s/big", "x".repeat(100), ""], ["s/small", "x", ""]] as const) {
      await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(tag ? { Tagging: tag } : {}) }));
    }
    await rules(bucket, [
      { ID: "tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 2 } },
      { ID: "tagged", Status: "Enabled", Filter: { And: { Prefix: "t/", Tags: [{ Key: "expire", Value: "yes" }] } }, Expiration: { Days: 2 } },
      { ID: "big", Status: "Enabled", Filter: { And: { Prefix: "s/", ObjectSizeGreaterThan: 50 } }, Expiration: { Days: 2 } },
      { ID: "off", Status: "Disabled", Filter: { Prefix: "keep/" }, Expiration: { Days: 1 } },
    ]);
    await until(async () => !(await present(bucket, "tmp/a")) && !(await present(bucket, "t/yes")) && !(await present(bucket, "s/big")), "the matching objects expired", 20_000);
    for (const key of ["keep/b", "t/no", "s/small"]) expect(await present(bucket, key)).toBe(true);
  });

  test("versioned: noncurrent versions beyond the newest one go; a delete marker left as a key's only version goes", async () => {
    const bucket = await fresh("lcn", true);
    for (const body of ["1", "2", "3"]) await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "nc", Body: body }));
    const lone = await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "lone", Body: "l" }));
    await fx.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "lone" }));
    await fx.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "lone", VersionId: lone.VersionId }));
    await rules(bucket, [
      { ID: "nc", Status: "Enabled", Filter: { Prefix: "nc" }, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } },
      { ID: "markers", Status: "Enabled", Filter: { Prefix: "lone" }, Expiration: { ExpiredObjectDeleteMarker: true } },
    ]);
    const versions = async (prefix: string) => ((await fx.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }))).Versions ?? []).length;
    const markers = async (prefix: string) => ((await fx.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix }))).DeleteMarkers ?? []).length;
    await until(async () => (await versions("nc")) === 2 && (await markers("lone")) === 0, "one noncurrent version and the lone marker removed", 20_000);
    expect(await versions("nc")).toBe(2);
  });

  test("uploads older than DaysAfterInitiation are aborted; expiring a locked object makes a delete marker and its COMPLIANCE-locked version stays", async () => {
    const bucket = await fresh("lcu");
    const { UploadId } = await fx.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "stale" }));
    expect(UploadId).toBeDefined();
    await rules(bucket, [{ ID: "abort", Status: "Enabled", Filter: { Prefix: "" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);
    await until(async () => ((await fx.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).length === 0, "the stale upload aborted", 20_000);

    const locked = bucketName("lcl");
    await fx.s3.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
    const v = await fx.s3.send(new PutObjectCommand({
      Bucket: locked, Key: "kept", Body: "k", ObjectLockMode: "COMPLIANCE", ObjectLockRetainUntilDate: new Date(Date.now() + 3_600_000),
    }));
    await rules(locked, [
      { ID: "all", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } },
      { ID: "nc", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
    ]);
    // The current version expires (a delete marker), then noncurrent expiry would remove it: the lock keeps it.
    await until(async () => ((await fx.s3.send(new ListObjectVersionsCommand({ Bucket: locked }))).DeleteMarkers ?? []).length === 1, "the expiration's delete marker", 20_000);
    await Bun.sleep(3000);
    expect((await fx.s3.send(new HeadObjectCommand({ Bucket: locked, Key: "kept", VersionId: v.VersionId }))).ObjectLockMode).toBe("COMPLIANCE");
  });
});

describe("bleepstore lifecycle run", () => {
  const TOKEN = "lifecycle-cli-token";
  // No pass of its own during the test (an hour apart): only the command acts.
  const manual = serverWithWorkDir("lifecycle-cli", { env: { BLEEPSTORE_LIFECYCLE_DAY_SECONDS: "1", BLEEPSTORE_LIFECYCLE_INTERVAL_SECONDS: "3600", BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
  const cli = (...args: string[]) => runCli(["lifecycle", "run", ...args, "--endpoint", manual.server.endpoint], { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });

  test("--dry-run prints what a pass would do and changes nothing; run does it; --bucket limits it to one bucket", async () => {
    const s3 = manual.s3;
    const [a, b] = [bucketName("lcra"), bucketName("lcrb")];
    for (const bucket of [a, b]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "tmp/x", Body: "x" }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "keep/y", Body: "y" }));
      await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "tmp/upload" }));
      await s3.send(new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket, LifecycleConfiguration: {
          Rules: [
            { ID: "tmp", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 1 } },
            { ID: "uploads", Status: "Enabled", Filter: { Prefix: "" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
          ],
        },
      }));
    }
    // Due at the second boundary after a day (a second) has passed.
    await Bun.sleep(2100);
    const dry = await cli("--bucket", a, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`would expire ${a}/tmp/x`);
    expect(dry.out).toMatch(new RegExp(`would abort ${a}/tmp/upload \\(upload \\w+\\)`));
    expect(dry.out).toContain("lifecycle pass (would): 1 expired, 0 noncurrent versions removed, 0 delete markers removed, 1 uploads aborted");
    expect(dry.out).not.toContain(b);
    const here = async (bucket: string, Key: string) => (await s3Status(s3.send(new HeadObjectCommand({ Bucket: bucket, Key })))) === 200;
    expect(await here(a, "tmp/x")).toBe(true);
    expect(((await s3.send(new ListMultipartUploadsCommand({ Bucket: a }))).Uploads ?? []).length).toBe(1);

    const run = await cli("--bucket", a);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`expire ${a}/tmp/x`);
    expect(run.out).toContain("lifecycle pass (did): 1 expired, 0 noncurrent versions removed, 0 delete markers removed, 1 uploads aborted");
    expect(await here(a, "tmp/x")).toBe(false);
    expect(await here(a, "keep/y")).toBe(true);
    expect(((await s3.send(new ListMultipartUploadsCommand({ Bucket: a }))).Uploads ?? []).length).toBe(0);
    // The other bucket was not touched; a pass over every bucket reaches it, and a second one finds nothing left.
    expect(await here(b, "tmp/x")).toBe(true);
    const all = await cli("--json");
    expect(JSON.parse(all.out)).toMatchObject({ expired: 1, aborted: 1, dryRun: false });
    expect(await here(b, "tmp/x")).toBe(false);
    expect(JSON.parse((await cli("--json")).out)).toMatchObject({ expired: 0, noncurrent: 0, markers: 0, aborted: 0, actions: [] });
    const missing = await cli("--bucket", bucketName("nope"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("The specified bucket does not exist");
  });
});

// Every bucket setting S3 has answers as S3 does when nothing is configured, never 501 (one table:
// src/server/bucket-settings.ts). Where S3's answer is an error, these are the codes AWS documents for
// each Get operation (e.g. GetBucketCors → NoSuchCORSConfiguration, GetBucketEncryption →
// ServerSideEncryptionConfigurationNotFoundError, GetBucketPolicyStatus → NoSuchBucketPolicy, the
// analytics/metrics/inventory/intelligent-tiering Get with an id → NoSuchConfiguration and their List
// forms an empty list). A PUT of a setting that would not be applied is 501 naming it; a DELETE is 204.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { BUCKET_SETTINGS } from "../src/server/bucket-settings.ts";
import { bucketName } from "./helpers/clients.ts";
import { ACCESS_KEY, SECRET_KEY } from "./helpers/server.ts";
import { requires, unless } from "./helpers/requires.ts";
import { signedFetch } from "./helpers/sign.ts";
import { serverWithBucket } from "./helpers/fixture.ts";

setDefaultTimeout(60_000);

const t = serverWithBucket("settings");
const { bucket } = t;

const at = (query: string) => `${t.server.endpoint}/${bucket}?${query}`;

describe("bucket settings with nothing configured", () => {
  test.each(BUCKET_SETTINGS.map((s) => ({ ...s, label: s.query })))("GET ?$label answers as S3 does", async (setting) => {
    const res = await signedFetch(at(setting.query));
    const text = await res.text();
    if (setting.listed) {
      expect(res.status).toBe(200);
      expect(text).toContain(`<${setting.listed.listRoot}`);
      expect(text).toContain("<IsTruncated>false</IsTruncated>");
      const one = await signedFetch(at(`${setting.query}&id=some-id`));
      expect(one.status).toBe(404);
      expect(await one.text()).toContain("<Code>NoSuchConfiguration</Code>");
    } else if ("error" in setting.empty) {
      expect(res.status).toBe(404);
      expect(text).toContain(`<Code>${setting.empty.error}</Code>`);
      expect(text).toContain(`<BucketName>${bucket}</BucketName>`);
    } else {
      expect(res.status).toBe(200);
      expect(text).toContain(`<${setting.empty.xml.root}`);
    }
  });

  test.each(BUCKET_SETTINGS.map((s) => ({ ...s, label: s.query })))("PUT ?$label is 501 naming it; DELETE is 204", async (setting) => {
    const put = await signedFetch(at(setting.query), { method: "PUT", body: "<Anything/>" });
    expect(put.status).toBe(501);
    const text = await put.text();
    expect(text).toContain("<Code>NotImplemented</Code>");
    expect(text).toContain(`Put${setting.stem}`);
    expect((await signedFetch(at(setting.query), { method: "DELETE" })).status).toBe(204);
    // Still nothing configured afterwards.
    expect((await signedFetch(at(setting.query))).status).toBe("error" in setting.empty && !setting.listed ? 404 : 200);
  });

  test("GetBucketVersioning of a bucket never versioned is an empty configuration", async () => {
    const res = await signedFetch(at("versioning"));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<VersioningConfiguration[^>]*\/>|<VersioningConfiguration[^>]*><\/VersioningConfiguration>/);
  });

  test("only the bucket owner reads them (anonymous → 403)", async () => {
    expect((await fetch(at("cors"))).status).toBe(403);
    expect((await fetch(at("logging"))).status).toBe(403);
  });
});

const hasRclone = requires("rclone (/usr/bin/rclone)", unless(existsSync("/usr/bin/rclone"), "apt-get install rclone"));
describe.skipIf(!hasRclone)("rclone (Debian's)", () => {
  test("rclone purge of a bucket with objects prints no ERROR line", async () => {
    const purged = bucketName("purge");
    await t.s3.send(new CreateBucketCommand({ Bucket: purged }));
    for (const key of ["a.txt", "dir/b.txt", "dir/sub/c.txt"]) await t.s3.send(new PutObjectCommand({ Bucket: purged, Key: key, Body: key }));
    const work = mkdtempSync(join(tmpdir(), "bleepstore-rclone-"));
    try {
      const proc = Bun.spawn(["/usr/bin/rclone", "purge", `bs:${purged}`], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, RCLONE_CONFIG: join(work, "rclone.conf"),
          RCLONE_CONFIG_BS_TYPE: "s3", RCLONE_CONFIG_BS_PROVIDER: "Other", RCLONE_CONFIG_BS_ENDPOINT: t.server.endpoint,
          RCLONE_CONFIG_BS_ACCESS_KEY_ID: ACCESS_KEY, RCLONE_CONFIG_BS_SECRET_ACCESS_KEY: SECRET_KEY, RCLONE_CONFIG_BS_REGION: "us-east-1",
        },
        stdout: "pipe", stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect(`${out}${err}`).not.toContain("ERROR");
      expect(code).toBe(0);
      expect((await signedFetch(`${t.server.endpoint}/${purged}`, { method: "HEAD" })).status).toBe(404);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

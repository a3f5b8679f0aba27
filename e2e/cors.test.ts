// CORS: Put/Get/DeleteBucketCors with S3's validation, preflight OPTIONS answered from the rules with
// no auth (403 when none matches), and Access-Control-* headers on matching actual requests, errors
// included. (The real-browser test is a separate step; these drive the protocol directly.)
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { s3ErrorCode } from "./helpers/clients.ts";
import { signedFetch } from "./helpers/sign.ts";
import { serverWithBucket } from "./helpers/fixture.ts";

setDefaultTimeout(60_000);

const t = serverWithBucket("cors");
const { bucket } = t;
const APP = "https://app.example.com";
beforeAll(async () => {
  await t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "hello" }));
});

const preflight = (origin: string | null, method: string, headers?: string, key = "hello.txt") =>
  fetch(`${t.server.endpoint}/${bucket}/${key}`, {
    method: "OPTIONS",
    headers: { ...(origin ? { origin } : {}), "access-control-request-method": method, ...(headers ? { "access-control-request-headers": headers } : {}) },
  });

describe("bucket CORS configuration", () => {
  test("NoSuchCORSConfiguration until set; put, get back, delete", async () => {
    expect(await s3ErrorCode(t.s3.send(new GetBucketCorsCommand({ Bucket: bucket })))).toBe("NoSuchCORSConfiguration");
    expect((await preflight(APP, "GET")).status).toBe(403);
    await t.s3.send(new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          { ID: "app", AllowedOrigins: [APP, "https://*.example.org"], AllowedMethods: ["GET", "PUT"], AllowedHeaders: ["content-type", "x-amz-*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600 },
          { AllowedOrigins: ["*"], AllowedMethods: ["HEAD"] },
        ],
      },
    }));
    const got = await t.s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
    expect(got.CORSRules?.[0]).toMatchObject({ ID: "app", AllowedOrigins: [APP, "https://*.example.org"], AllowedMethods: ["GET", "PUT"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600 });
    expect(got.CORSRules?.length).toBe(2);
  });

  test("S3's validation: unknown method, two wildcards, more than 100 rules → 400; nothing changes", async () => {
    const bad = [
      [{ AllowedOrigins: [APP], AllowedMethods: ["PATCH"] }],
      [{ AllowedOrigins: ["https://*.*.example.com"], AllowedMethods: ["GET"] }],
      Array.from({ length: 101 }, () => ({ AllowedOrigins: [APP], AllowedMethods: ["GET"] })),
    ];
    for (const CORSRules of bad) {
      expect(await s3ErrorCode(t.s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules } })))).toBe("InvalidRequest");
    }
    const malformed = await signedFetch(`${t.server.endpoint}/${bucket}?cors`, { method: "PUT", body: "<CORSConfiguration><nope/></CORSConfiguration>" });
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain("<Code>MalformedXML</Code>");
    expect((await t.s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules?.length).toBe(2);
  });
});

describe("preflight and actual requests", () => {
  test("a preflight the rules allow: 200 with the Access-Control-* headers, no auth needed", async () => {
    const res = await preflight(APP, "PUT", "Content-Type, X-Amz-Date");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, PUT");
    expect(res.headers.get("access-control-allow-headers")).toBe("Content-Type, X-Amz-Date");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("vary")).toContain("Origin");
    const wild = await preflight("https://shop.example.org", "GET");
    expect(wild.status).toBe(200);
    const any = await preflight("https://anyone.test", "HEAD");
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("a preflight no rule allows is 403 with S3's message; without Origin it is 400", async () => {
    for (const [origin, method, headers] of [["https://evil.test", "GET"], [APP, "DELETE"], [APP, "PUT", "x-custom"]] as const) {
      const res = await preflight(origin, method, headers);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("CORSResponse: This CORS request is not allowed");
    }
    expect((await preflight(null, "GET")).status).toBe(400);
  });

  test("actual requests from an allowed origin get the headers, errors too; others get none", async () => {
    const ok = await signedFetch(`${t.server.endpoint}/${bucket}/hello.txt`, { headers: { origin: APP } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(APP);
    expect(ok.headers.get("access-control-expose-headers")).toBe("ETag");
    expect(ok.headers.get("vary")).toContain("Origin");
    const missing = await signedFetch(`${t.server.endpoint}/${bucket}/missing.txt`, { headers: { origin: APP } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(APP);
    const other = await signedFetch(`${t.server.endpoint}/${bucket}/hello.txt`, { headers: { origin: "https://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("after DeleteBucketCors, preflights are refused again", async () => {
    await t.s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    expect((await preflight(APP, "GET")).status).toBe(403);
    expect(await s3ErrorCode(t.s3.send(new GetBucketCorsCommand({ Bucket: bucket })))).toBe("NoSuchCORSConfiguration");
  });
});

// Conditional deletes (AWS user guide, "How to perform conditional deletes", general purpose buckets
// since September 2025): If-Match on DeleteObject and the ETag element of a DeleteObjects entry are
// checked against the current object: 412 PreconditionFailed on a mismatch, 404 NoSuchKey when If-Match
// was sent and the key holds no object. Directory-bucket preconditions are refused, never ignored.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand,
} from "@aws-sdk/client-s3";
import { s3ErrorCode, s3Status } from "./helpers/clients.ts";
import { signedFetch } from "./helpers/sign.ts";
import { serverWithBucket } from "./helpers/fixture.ts";

setDefaultTimeout(60_000);

const t = serverWithBucket("cdel");
const { bucket } = t;

const put = async (key: string, body = `body of ${key}`) =>
  (await t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).ETag!;
const read = async (key: string) => (await t.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
const exists = async (key: string) => (await s3Status(t.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))) === 200;
const rawDelete = (key: string, headers: Record<string, string>) =>
  signedFetch(`${t.server.endpoint}/${bucket}/${key}`, { method: "DELETE", headers });
const OTHER_ETAG = '"00000000000000000000000000000000"';

describe("DeleteObject with If-Match (raw signed request)", () => {
  test("a mismatched ETag is 412 and the object stays byte-exact", async () => {
    await put("raw-keep", "precious bytes");
    const res = await rawDelete("raw-keep", { "if-match": OTHER_ETAG });
    expect(res.status).toBe(412);
    expect(await res.text()).toContain("<Code>PreconditionFailed</Code>");
    expect(await read("raw-keep")).toBe("precious bytes");
  });

  test("the matching ETag deletes (204)", async () => {
    const etag = await put("raw-match");
    const res = await rawDelete("raw-match", { "if-match": etag });
    expect(res.status).toBe(204);
    expect(await exists("raw-match")).toBe(false);
  });

  test("If-Match: * on a missing key is 404 NoSuchKey; on an object it deletes", async () => {
    const missing = await rawDelete("raw-never", { "if-match": "*" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("<Code>NoSuchKey</Code>");
    await put("raw-star");
    expect((await rawDelete("raw-star", { "if-match": "*" })).status).toBe(204);
    expect(await exists("raw-star")).toBe(false);
  });

  test("an ETag on a missing key is 404 NoSuchKey; without If-Match a missing key is still 204", async () => {
    const res = await rawDelete("raw-gone", { "if-match": OTHER_ETAG });
    expect(res.status).toBe(404);
    expect((await rawDelete("raw-gone", {})).status).toBe(204);
  });

  test("directory-bucket preconditions are refused (501) and delete nothing", async () => {
    await put("raw-size");
    const refused: Array<Record<string, string>> = [{ "x-amz-if-match-size": "11" }, { "x-amz-if-match-last-modified-time": new Date().toUTCString() }];
    for (const headers of refused) {
      const res = await rawDelete("raw-size", headers);
      expect(res.status).toBe(501);
      expect(await res.text()).toContain("<Code>NotImplemented</Code>");
      expect(await exists("raw-size")).toBe(true);
    }
  });
});

describe("DeleteObject with If-Match (JS SDK)", () => {
  test("IfMatch mismatch → PreconditionFailed, object intact; match → deleted", async () => {
    const etag = await put("sdk-k", "sdk bytes");
    expect(await s3ErrorCode(t.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "sdk-k", IfMatch: OTHER_ETAG })))).toBe("PreconditionFailed");
    expect(await read("sdk-k")).toBe("sdk bytes");
    await t.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "sdk-k", IfMatch: etag }));
    expect(await exists("sdk-k")).toBe(false);
  });

  test("IfMatch: * on a missing key → NoSuchKey", async () => {
    expect(await s3ErrorCode(t.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "sdk-never", IfMatch: "*" })))).toBe("NoSuchKey");
  });

  test("IfMatchSize is refused with NotImplemented", async () => {
    await put("sdk-size");
    expect(await s3ErrorCode(t.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "sdk-size", IfMatchSize: 8 })))).toBe("NotImplemented");
    expect(await exists("sdk-size")).toBe(true);
  });
});

describe("DeleteObjects with per-object ETag", () => {
  test("mismatch and missing are per-key errors while the other keys are deleted", async () => {
    const match = await put("many-match");
    await put("many-mismatch", "still here");
    await put("many-plain");
    await put("many-star");
    const res = await t.s3.send(new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: {
        Objects: [
          { Key: "many-match", ETag: match },
          { Key: "many-mismatch", ETag: OTHER_ETAG },
          { Key: "many-missing", ETag: "*" },
          { Key: "many-plain" },
          { Key: "many-star", ETag: "*" },
        ],
      },
    }));
    expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(["many-match", "many-plain", "many-star"]);
    const errors = Object.fromEntries((res.Errors ?? []).map((e) => [e.Key, e.Code]));
    expect(errors).toEqual({ "many-mismatch": "PreconditionFailed", "many-missing": "NoSuchKey" });
    expect(await read("many-mismatch")).toBe("still here");
    for (const k of ["many-match", "many-plain", "many-star"]) expect(await exists(k)).toBe(false);
  });

  test("a directory-bucket Size element is refused and nothing is deleted", async () => {
    await put("many-size");
    const xml = "<Delete><Object><Key>many-size</Key><Size>11</Size></Object></Delete>";
    const res = await signedFetch(`${t.server.endpoint}/${bucket}?delete`, {
      method: "POST", body: xml, headers: { "content-md5": new Bun.CryptoHasher("md5").update(xml).digest("base64") },
    });
    expect(res.status).toBe(501);
    expect(await exists("many-size")).toBe(true);
  });
});

describe("races", () => {
  test("two deleters with different expectations on one key: exactly one is told it deleted", async () => {
    for (let round = 0; round < 15; round++) {
      const key = `race-${round}`;
      const etag = await put(key);
      const [a, b] = await Promise.all([rawDelete(key, { "if-match": etag }), rawDelete(key, { "if-match": "*" })]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([204, 404]);
      expect(await exists(key)).toBe(false);
    }
  });

  test("a conditional delete racing a conditional overwrite of the same version: one wins, the state says which", async () => {
    for (let round = 0; round < 15; round++) {
      const key = `race-write-${round}`;
      const etag = await put(key, "version one");
      const [del, write] = await Promise.all([
        rawDelete(key, { "if-match": etag }),
        signedFetch(`${t.server.endpoint}/${bucket}/${key}`, { method: "PUT", body: "version two", headers: { "if-match": etag } }),
      ]);
      if (del.status === 204) {
        expect(write.status).toBe(404); // If-Match on a key that no longer exists
        expect(await exists(key)).toBe(false);
      } else {
        expect(del.status).toBe(412);
        expect(write.status).toBe(200);
        expect(await read(key)).toBe("version two");
      }
    }
  });
});

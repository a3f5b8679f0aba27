// ListObjectsV2, ListObjects (V1) and ListObjectVersions through the AWS SDK.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand, type S3Client,
  paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

let server: TestServer;
let s3: S3Client;
const bucket = bucketName("list");
const big = bucketName("big");
const KEYS = ["a/1", "a/2", "a/b/3", "b", "c d/e", "c+d", "x/y/z", "zz", "é", "\uFF5E", "\u{1F600}"];

async function putMany(target: string, keys: string[], concurrency = 32): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      // An empty body with its length given: with Body "" alone the SDK warns once per call of a
      // "Stream of unknown length" (10,000 lines of test output).
      await s3.send(new PutObjectCommand({ Bucket: target, Key: key, Body: new Uint8Array(0), ContentLength: 0 }));
    }
  }));
}

beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await putMany(bucket, KEYS);
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe("ListObjectsV2", () => {
  test("lists every key in UTF-8 byte order with sizes, ETags and dates", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const sorted = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(res.Contents?.map((c) => c.Key)).toEqual(sorted);
    expect(res.KeyCount).toBe(KEYS.length);
    expect(res.IsTruncated).toBe(false);
    const first = res.Contents![0]!;
    expect(first.Size).toBe(0);
    expect(first.ETag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
    expect(first.StorageClass).toBe("STANDARD");
    expect(first.Owner).toBeUndefined();
    expect(Math.abs(first.LastModified!.getTime() - Date.now())).toBeLessThan(120_000);
  });

  test("delimiter rolls keys up into CommonPrefixes", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect(res.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/", "c d/", "x/"]);
    expect(res.Contents?.map((c) => c.Key)).toEqual(["b", "c+d", "zz", "é", "\uFF5E", "\u{1F600}"]);
    expect(res.KeyCount).toBe(9);
    expect(res.Delimiter).toBe("/");
  });

  test("prefix and delimiter together", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "a/", Delimiter: "/" }));
    expect(res.Contents?.map((c) => c.Key)).toEqual(["a/1", "a/2"]);
    expect(res.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["a/b/"]);
    expect(res.Prefix).toBe("a/");
  });

  test("max-keys pages with continuation tokens, even when a page ends on a common prefix", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/", MaxKeys: 2, ContinuationToken: token }));
      expect(res.KeyCount).toBeLessThanOrEqual(2);
      seen.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(res.Contents ?? []).map((c) => c.Key!));
      token = res.NextContinuationToken;
      expect(res.IsTruncated).toBe(token !== undefined);
      pages++;
    } while (token);
    expect(pages).toBe(5);
    expect(seen.sort()).toEqual(["a/", "b", "c d/", "c+d", "x/", "zz", "é", "\uFF5E", "\u{1F600}"].sort());
  });

  test("start-after is exclusive and echoed", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "b" }));
    expect(res.Contents?.[0]?.Key).toBe("c d/e");
    expect(res.StartAfter).toBe("b");
  });

  test("fetch-owner adds the owner", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true, MaxKeys: 1 }));
    expect(res.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(res.Contents?.[0]?.Owner?.DisplayName).toBe("bleepstore");
  });

  test("encoding-type=url encodes keys and prefixes the way S3 does", async () => {
    const url = `${server.endpoint}/${bucket}?list-type=2&encoding-type=url&delimiter=/`;
    const signed = await (await signedFetch(url)).text();
    expect(signed).toContain("<EncodingType>url</EncodingType>");
    expect(signed).toContain("<Prefix>c+d/</Prefix>");
    expect(signed).toContain("<Key>c%2Bd</Key>");
    expect(signed).toContain("<Key>%C3%A9</Key>");
    const sdk = await s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: "url", Prefix: "c" }));
    expect(sdk.EncodingType).toBe("url");
  });

  test("max-keys=0 returns nothing", async () => {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 0 }));
    expect(res.KeyCount).toBe(0);
    expect(res.Contents).toBeUndefined();
  });

  test("bad arguments are InvalidArgument", async () => {
    expect(await s3ErrorCode(s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: -1 })))).toBe("InvalidArgument");
    expect(await s3ErrorCode(s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: "garbage" })))).toBe("InvalidArgument");
    expect(await s3ErrorCode(s3.send(new ListObjectsV2Command({ Bucket: bucket, EncodingType: "base64" as "url" })))).toBe("InvalidArgument");
  });

  test("a missing bucket is NoSuchBucket", async () => {
    expect(await s3ErrorCode(s3.send(new ListObjectsV2Command({ Bucket: bucketName("nolist") })))).toBe("NoSuchBucket");
  });
});

describe("ListObjects (V1)", () => {
  test("marker and NextMarker page through a delimited listing", async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const res = await s3.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "/", MaxKeys: 3, Marker: marker }));
      seen.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(res.Contents ?? []).map((c) => c.Key!));
      expect(res.Marker ?? "").toBe(marker ?? "");
      if (!res.IsTruncated) break;
      marker = res.NextMarker;
      expect(marker).toBeDefined();
    }
    expect(seen.sort()).toEqual(["a/", "b", "c d/", "c+d", "x/", "zz", "é", "\uFF5E", "\u{1F600}"].sort());
  });

  test("entries carry their owner", async () => {
    const res = await s3.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 1 }));
    expect(res.Contents?.[0]?.Owner?.DisplayName).toBe("bleepstore");
  });
});

describe("ListObjectVersions on an unversioned bucket", () => {
  test("each object once, VersionId null, IsLatest", async () => {
    const res = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "a/" }));
    expect(res.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ["a/1", "null", true], ["a/2", "null", true], ["a/b/3", "null", true],
    ]);
  });
});

// The core e2e files run against every engine and backend (eleven times in `npm test`), so the bucket
// is 100 prefixes of 20 keys: enough prefixes to page a delimited listing through many pages, enough
// keys in each that every prefix must be skipped, not walked. On the Cosmos DB emulator (an npm
// package without an index: each query copies and sorts the whole container, and the SDK sends a
// query-plan request beside each) the delimiter listing's 115 seeks are its slowest part; budgets are
// sized for it (10,000 keys there took 88 s for that listing alone on this 2-core machine).
const BIG_BUDGET = 300_000;
const PREFIXES = 100;
const PER_PREFIX = 20;

describe("a bucket of 2,000 keys (100 prefixes × 20 keys)", () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: big }));
    const keys: string[] = [];
    for (let p = 0; p < PREFIXES; p++) for (let k = 0; k < PER_PREFIX; k++) keys.push(`p${String(p).padStart(3, "0")}/k${String(k).padStart(3, "0")}`);
    await putMany(big, keys);
  }, BIG_BUDGET);

  test("the delimiter listing pages through all 100 prefixes exactly once, 7 a page", async () => {
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: big, Delimiter: "/", MaxKeys: 7, ContinuationToken: token }));
      expect(res.Contents).toBeUndefined();
      prefixes.push(...(res.CommonPrefixes ?? []).map((p) => p.Prefix!));
      token = res.NextContinuationToken;
    } while (token);
    expect(prefixes).toEqual(Array.from({ length: 100 }, (_, p) => `p${String(p).padStart(3, "0")}/`));
  }, BIG_BUDGET);

  test("the full listing pages 200 at a time through all 2,000 keys in order", async () => {
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 200 }, { Bucket: big })) {
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      pages++;
    }
    expect(pages).toBe(10);
    expect(keys.length).toBe(PREFIXES * PER_PREFIX);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(keys).size).toBe(PREFIXES * PER_PREFIX);
    // With the default max-keys (1000): two pages.
    const first = await s3.send(new ListObjectsV2Command({ Bucket: big }));
    expect(first.KeyCount).toBe(1000);
    expect(first.IsTruncated).toBe(true);
    const second = await s3.send(new ListObjectsV2Command({ Bucket: big, ContinuationToken: first.NextContinuationToken }));
    expect(second.KeyCount).toBe(1000);
    expect(second.IsTruncated).toBe(false);
  }, BIG_BUDGET);

  test("inside one prefix, pages of 7", async () => {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 7 }, { Bucket: big, Prefix: "p042/", Delimiter: "/" })) {
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    expect(keys).toEqual(Array.from({ length: PER_PREFIX }, (_, k) => `p042/k${String(k).padStart(3, "0")}`));
  }, BIG_BUDGET);
});

// Table test: request → operation.
import { expect, test } from "bun:test";
import { OPERATIONS } from "../../src/server/operations/index.ts";
import { resolve } from "../../src/server/resolve.ts";
import type { OperationTable } from "../../src/server/types.ts";

const cases: Array<[string, string, string, Record<string, string>, string, string?, string?]> = [
  ["GET", "/", "", {}, "ListBuckets"],
  ["PUT", "/b", "", {}, "CreateBucket", "b"],
  ["PUT", "/b/", "", {}, "CreateBucket", "b"],
  ["DELETE", "/b", "", {}, "DeleteBucket", "b"],
  ["HEAD", "/b", "", {}, "HeadBucket", "b"],
  ["GET", "/b", "location", {}, "GetBucketLocation", "b"],
  ["GET", "/b/", "list-type=2&prefix=a", {}, "ListObjectsV2", "b"],
  ["GET", "/b", "", {}, "ListObjects", "b"],
  ["GET", "/b", "acl", {}, "GetBucketAcl", "b"],
  ["GET", "/b", "versioning", {}, "GetBucketVersioning", "b"],
  ["PUT", "/b", "versioning", {}, "PutBucketVersioning", "b"],
  ["POST", "/b", "delete", {}, "DeleteObjects", "b"],
  ["PUT", "/b/k", "", {}, "PutObject", "b", "k"],
  ["PUT", "/b/k", "", { "x-amz-copy-source": "/a/b" }, "CopyObject", "b", "k"],
  ["PUT", "/b/k", "partNumber=1&uploadId=u", {}, "UploadPart", "b", "k"],
  ["PUT", "/b/k", "partNumber=1&uploadId=u", { "x-amz-copy-source": "/a/b" }, "UploadPartCopy", "b", "k"],
  ["POST", "/b/k", "uploads", {}, "CreateMultipartUpload", "b", "k"],
  ["POST", "/b/k", "uploadId=u", {}, "CompleteMultipartUpload", "b", "k"],
  ["DELETE", "/b/k", "uploadId=u", {}, "AbortMultipartUpload", "b", "k"],
  ["GET", "/b/k", "uploadId=u", {}, "ListParts", "b", "k"],
  ["GET", "/b/a%2Fb/c%20d", "", {}, "GetObject", "b", "a/b/c d"],
  ["GET", "/b/../x//y/", "", {}, "GetObject", "b", "../x//y/"],
  ["HEAD", "/b/k", "", {}, "HeadObject", "b", "k"],
  ["DELETE", "/b/k", "", {}, "DeleteObject", "b", "k"],
  ["GET", "/k", "", { host: "bucket.localhost:9000" }, "GetObject", "bucket", "k"],
  ["GET", "/", "", { host: "bucket.localhost" }, "ListObjects", "bucket"],
  ["GET", "/", "", { host: "localhost:9000" }, "ListBuckets"],
];

const rows = cases.map(([method, path, query, headers, operation, bucket, key]) => ({ method, path, query, headers, operation, bucket, key }));

test.each(rows)("$method $path?$query → $operation", ({ method, path, query, headers, operation, bucket, key }) => {
  const resolved = resolve(method, path, new URLSearchParams(query), new Headers(headers), "localhost");
  expect(resolved.operation).toBe(operation as never);
  const params = resolved.params as { bucket?: string; key?: string };
  expect(params.bucket).toBe(bucket as never);
  expect(params.key).toBe(key as never);
});

test("bucket subresources BleepStore lacks resolve to their AWS name", () => {
  const r = resolve("PUT", "/b", new URLSearchParams("website"), new Headers(), "localhost");
  expect(r).toMatchObject({ operation: "Unsupported", params: { name: "PutBucketWebsite", bucket: "b" } });
});

test("methods S3 does not have are MethodNotAllowed", () => {
  expect(() => resolve("PATCH", "/b/k", new URLSearchParams(), new Headers(), "localhost")).toThrow(expect.objectContaining({ code: "MethodNotAllowed" }));
  expect(() => resolve("PUT", "/", new URLSearchParams(), new Headers(), "localhost")).toThrow(expect.objectContaining({ code: "MethodNotAllowed" }));
});

test("a malformed percent-escape is InvalidURI", () => {
  expect(() => resolve("GET", "/b/%E0%A4%A", new URLSearchParams(), new Headers(), "localhost")).toThrow(expect.objectContaining({ code: "InvalidURI" }));
});

test("operations carry their parsed parameters", () => {
  const r = (method: string, path: string, query: string) => resolve(method, path, new URLSearchParams(query), new Headers(), "localhost");
  expect(r("PUT", "/b/k", "partNumber=7&uploadId=u1")).toEqual({ operation: "UploadPart", params: { bucket: "b", key: "k", uploadId: "u1", partNumber: 7 } });
  expect(r("PUT", "/b/k", "partNumber=x&uploadId=u1").params).toMatchObject({ partNumber: Number.NaN });
  expect(r("GET", "/b/k", "versionId=v1&partNumber=2")).toEqual({ operation: "GetObject", params: { bucket: "b", key: "k", versionId: "v1", partNumber: 2 } });
  expect(r("DELETE", "/b/k", "versionId=null")).toEqual({ operation: "DeleteObject", params: { bucket: "b", key: "k", versionId: "null" } });
  expect(r("POST", "/b/k", "uploadId=u2")).toEqual({ operation: "CompleteMultipartUpload", params: { bucket: "b", key: "k", uploadId: "u2" } });
  expect(() => r("PUT", "/b/k", "partNumber=1")).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
});

test("the operation table has a handler for every operation (a missing one does not compile)", () => {
  const { GetObject: _dropped, ...rest } = OPERATIONS;
  // @ts-expect-error — without GetObject the table is not an OperationTable (tsc runs in `npm test`).
  const incomplete: OperationTable = rest;
  expect(Object.keys(incomplete).length).toBe(Object.keys(OPERATIONS).length - 1);
});

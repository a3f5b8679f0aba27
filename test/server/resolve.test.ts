// Table test: request → operation.
import { expect, test } from "bun:test";
import { resolve } from "../../src/server/resolve.ts";

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
  expect(resolved.bucket).toBe(bucket as never);
  expect(resolved.key).toBe(key as never);
});

test("bucket subresources BleepStore lacks resolve to their AWS name", () => {
  const r = resolve("PUT", "/b", new URLSearchParams("lifecycle"), new Headers(), "localhost");
  expect(r).toMatchObject({ operation: "Unsupported", unsupported: "PutBucketLifecycleConfiguration" });
});

test("methods S3 does not have are MethodNotAllowed", () => {
  expect(() => resolve("PATCH", "/b/k", new URLSearchParams(), new Headers(), "localhost")).toThrow(expect.objectContaining({ code: "MethodNotAllowed" }));
  expect(() => resolve("PUT", "/", new URLSearchParams(), new Headers(), "localhost")).toThrow(expect.objectContaining({ code: "MethodNotAllowed" }));
});

test("a malformed percent-escape is InvalidURI", () => {
  expect(() => resolve("GET", "/b/%E0%A4%A", new URLSearchParams(), new Headers(), "localhost")).toThrow(expect.objectContaining({ code: "InvalidURI" }));
});

// /openapi.json and /docs (Swagger UI) through @elysiajs/swagger, imported only when enabled. The ops
// and admin routes document themselves; the S3 API, served by one catch-all route, is described here
// by the operations each path and method carries, told apart by query subresources and headers.
import type { Elysia } from "elysia";

type Op = [name: string, how: string];

const S3_TABLE: Record<string, Partial<Record<"get" | "put" | "head" | "delete" | "post", Op[]>>> = {
  "/": { get: [["ListBuckets", "prefix, max-buckets, continuation-token"]] },
  "/{bucket}": {
    get: [
      ["ListObjects", "no subresource (marker, prefix, delimiter, max-keys, encoding-type)"],
      ["ListObjectsV2", "list-type=2 (continuation-token, start-after, fetch-owner)"],
      ["ListObjectVersions", "?versions"], ["ListMultipartUploads", "?uploads"],
      ["GetBucketLocation", "?location"], ["GetBucketAcl", "?acl"],
    ],
    put: [["CreateBucket", "no subresource; optional CreateBucketConfiguration body"], ["PutBucketAcl", "?acl"]],
    head: [["HeadBucket", "answers x-amz-bucket-region"]],
    delete: [["DeleteBucket", "only when empty"]],
    post: [["DeleteObjects", "?delete with a <Delete> body and Content-MD5 or x-amz-checksum-*"]],
  },
  "/{bucket}/{key}": {
    get: [
      ["GetObject", "Range, partNumber, If-* conditions, response-* overrides, x-amz-checksum-mode"],
      ["GetObjectAcl", "?acl"], ["ListParts", "?uploadId"], ["GetObjectAttributes", "?attributes"],
    ],
    head: [["HeadObject", "as GetObject, without a body"]],
    put: [
      ["PutObject", "no subresource"], ["CopyObject", "x-amz-copy-source header"], ["PutObjectAcl", "?acl"],
      ["UploadPart", "?partNumber&uploadId"], ["UploadPartCopy", "?partNumber&uploadId with x-amz-copy-source"],
    ],
    delete: [["DeleteObject", "no subresource"], ["AbortMultipartUpload", "?uploadId"]],
    post: [["CreateMultipartUpload", "?uploads"], ["CompleteMultipartUpload", "?uploadId with the part list"]],
  },
};

function s3Paths() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(S3_TABLE)) {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name, in: "path", required: true, schema: { type: "string" },
      ...(name === "key" ? { description: "The object key; may contain slashes", allowReserved: true } : {}),
    }));
    paths[path] = {};
    for (const [method, ops] of Object.entries(methods)) {
      paths[path]![method] = {
        tags: ["S3"],
        summary: ops!.map(([name]) => name).join(" · "),
        description: ops!.map(([name, how]) => `**${name}** — ${how}`).join("\n\n"),
        operationId: `${method}${path.replace(/[^a-z]/gi, "_")}`,
        parameters: params,
        security: [{ sigv4: [] }, {}],
        responses: {
          "200": { description: "Success; XML in the S3 namespace, object bytes, or no body", content: { "application/xml": {} } },
          "4XX": { description: "An S3 error document: <Error><Code/><Message/><Resource/><RequestId/></Error>" },
        },
      };
    }
  }
  return paths;
}

export async function docsRoutes(version: string): Promise<Elysia> {
  const { swagger } = await import("@elysiajs/swagger");
  return swagger({
    path: "/docs",
    specPath: "/openapi.json",
    provider: "swagger-ui",
    exclude: ["/*", "/openapi.json", "/docs"],
    documentation: {
      info: {
        title: "BleepStore",
        version,
        description:
          "An S3-compatible object store. The S3 API is signed with AWS Signature V4 (header or presigned query); the admin API takes the bearer token from admin.token. The names healthz, readyz, health, metrics, docs and openapi.json are reserved and cannot be bucket names.",
      },
      tags: [
        { name: "S3", description: "The S3 REST API; operations are told apart by method, subresource and headers" },
        { name: "operations", description: "Health, readiness and metrics" },
        { name: "admin", description: "Key pairs, metadata export/import, storage reconciliation" },
      ],
      paths: s3Paths() as never,
      components: {
        securitySchemes: {
          sigv4: { type: "apiKey", in: "header", name: "Authorization", description: "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
    },
  }) as unknown as Elysia;
}

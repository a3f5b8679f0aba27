// GetObject and HeadObject: conditional reads, single ranges (206 + Content-Range), response-*
// overrides, checksums on request; GetObject sends the stored bytes straight from the backend.
import { assertPartNumber } from "../../core/multipart.ts";
import type { ReadConditions } from "../../core/conditions.ts";
import type { GetObjectInput, ObjectRead } from "../../core/objects.ts";
import { S3Error } from "../../errors.ts";
import { objectHeaders, RESPONSE_OVERRIDES, versionHeader, versionIdOf } from "../headers.ts";
import { bucketOf, keyOf, type OperationHandler, type S3Request, type S3Response } from "../types.ts";

function readInput(req: S3Request): GetObjectInput {
  const h = req.headers;
  const input: GetObjectInput = { bucket: bucketOf(req), key: keyOf(req) };
  const versionId = versionIdOf(req.query);
  if (versionId !== undefined) input.versionId = versionId;
  const conditions: ReadConditions = {};
  let conditional = false;
  for (const [header, field] of CONDITION_HEADERS) {
    const value = h.get(header);
    if (value === null) continue;
    conditions[field] = value;
    conditional = true;
  }
  if (conditional) input.conditions = conditions;
  const range = h.get("range");
  const partText = req.query.size === 0 ? null : req.query.get("partNumber");
  if (partText !== null) {
    const partNumber = /^\d+$/.test(partText) ? Number(partText) : Number.NaN;
    assertPartNumber(partNumber);
    if (range !== null) throw new S3Error("InvalidRequest", { message: "Cannot specify both Range header and partNumber query parameter" });
    input.partNumber = partNumber;
  }
  if (range !== null) input.range = range;
  return input;
}

const CONDITION_HEADERS: ReadonlyArray<readonly [string, keyof ReadConditions]> = [
  ["if-match", "ifMatch"], ["if-none-match", "ifNoneMatch"], ["if-modified-since", "ifModifiedSince"], ["if-unmodified-since", "ifUnmodifiedSince"],
];

function readResponse(req: S3Request, read: ObjectRead): S3Response {
  const { record, range } = read;
  const withChecksum = !range && req.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  const headers = objectHeaders(record, withChecksum);
  if (req.query.size > 0) versionHeader(headers, versionIdOf(req.query), true);
  for (const [param, header] of req.query.size === 0 ? [] : Object.entries(RESPONSE_OVERRIDES)) {
    const value = req.query.get(param);
    if (value === null) continue;
    if (!req.requester) throw new S3Error("InvalidRequest", { message: "Request specific response headers cannot be used for anonymous GET requests." });
    headers[header] = value;
  }
  if (req.query.has("partNumber") || record.partSizes) headers["x-amz-mp-parts-count"] = String(record.partSizes?.length ?? 1);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${record.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
    return { status: 206, headers };
  }
  headers["content-length"] = String(record.size);
  return { status: 200, headers };
}

export const getObject: OperationHandler = async (req) => {
  const read = await req.engine.objects.get(req.requester, readInput(req));
  return { ...readResponse(req, read), body: read.data };
};

export const headObject: OperationHandler = async (req) => {
  const read = await req.engine.objects.head(req.requester, readInput(req));
  return readResponse(req, read);
};

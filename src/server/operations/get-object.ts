// GetObject and HeadObject: conditional reads, single ranges (206 + Content-Range), response-*
// overrides, checksums on request; GetObject sends the stored bytes straight from the backend.
import { assertPartNumber } from "../../core/multipart.ts";
import type { ReadConditions } from "../../core/conditions.ts";
import type { GetObjectInput, ObjectRead } from "../../core/objects.ts";
import { S3Error } from "../../errors.ts";
import { objectHeaders, RESPONSE_OVERRIDES, versionHeader } from "../headers.ts";
import { customerKey, sseHeaders, type CustomerKey } from "../sse-headers.ts";
import { lockResponseHeaders } from "../lock-headers.ts";
import type { OperationHandler, S3Request, S3Response } from "../types.ts";
import { expirationHeader } from "../lifecycle-headers.ts";

type Read = S3Request<"GetObject" | "HeadObject">;

/** The read the request asks for, and its SSE-C key (read once: its headers are echoed in the answer). */
function readInput(req: Read): { input: GetObjectInput; ssec: CustomerKey | undefined } {
  const h = req.headers;
  const input: GetObjectInput = { bucket: req.params.bucket, key: req.params.key };
  const ssec = customerKey(h, req.keysAllowed);
  if (ssec) input.customerKey = ssec.key;
  const versionId = req.params.versionId;
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
  const { partNumber } = req.params;
  if (partNumber !== undefined) {
    assertPartNumber(partNumber);
    if (range !== null) throw new S3Error("InvalidRequest", { message: "Cannot specify both Range header and partNumber query parameter" });
    input.partNumber = partNumber;
  }
  if (range !== null) input.range = range;
  return { input, ssec };
}

const CONDITION_HEADERS: ReadonlyArray<readonly [string, keyof ReadConditions]> = [
  ["if-match", "ifMatch"], ["if-none-match", "ifNoneMatch"], ["if-modified-since", "ifModifiedSince"], ["if-unmodified-since", "ifUnmodifiedSince"],
];

/** What S3 sends with a 304: the validators and the caching headers, no body headers. */
const NOT_MODIFIED_HEADERS = ["etag", "last-modified", "cache-control", "expires", "x-amz-version-id"];

function readResponse(req: Read, read: ObjectRead, ssec: CustomerKey | undefined): S3Response {
  const { record, range } = read;
  if (read.notModified) {
    const all = objectHeaders(record, false);
    return { status: 304, headers: Object.fromEntries(NOT_MODIFIED_HEADERS.filter((h) => all[h] !== undefined).map((h) => [h, all[h]!])) };
  }
  const withChecksum = !range && req.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  const headers = lockResponseHeaders(sseHeaders(objectHeaders(record, withChecksum), record.sse, ssec), record);
  versionHeader(headers, req.params.versionId, true);
  expirationHeader(headers, read.expiration);
  for (const [param, header] of req.query.size === 0 ? [] : Object.entries(RESPONSE_OVERRIDES)) {
    const value = req.query.get(param);
    if (value === null) continue;
    if (!req.requester) throw new S3Error("InvalidRequest", { message: "Request specific response headers cannot be used for anonymous GET requests." });
    headers[header] = value;
  }
  // S3 names the part count only when the request named a part.
  if (req.params.partNumber !== undefined) headers["x-amz-mp-parts-count"] = String(record.partSizes?.length ?? 1);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${record.size}`;
    headers["content-length"] = String(range.end - range.start + 1);
    return { status: 206, headers };
  }
  headers["content-length"] = String(record.size);
  return { status: 200, headers };
}

export const getObject: OperationHandler<"GetObject"> = async (req) => {
  const { input, ssec } = readInput(req);
  const read = await req.engine.objects.get(req.requester, input);
  return { ...readResponse(req, read, ssec), ...(read.data ? { body: read.data } : {}) };
};

export const headObject: OperationHandler<"HeadObject"> = async (req) => {
  const { input, ssec } = readInput(req);
  const read = await req.engine.objects.head(req.requester, input);
  return readResponse(req, read, ssec);
};

// PutObject: the body streamed into the engine with its digests; conditional writes via If-None-Match
// and If-Match; the ETag and checksum in the response.
import { uploadBody } from "../body.ts";
import { quoteEtag, versionHeader, writeHeaders } from "../headers.ts";
import { customerKey, requestedSse, sseHeaders } from "../sse-headers.ts";
import { lockHeaders } from "../lock-headers.ts";
import type { OperationHandler } from "../types.ts";
import { writeCondition } from "../preconditions.ts";
import { tagsFromHeader } from "../../core/tagging.ts";
import { aclFromHeaders } from "../acl.ts";
import { expirationHeader } from "../lifecycle-headers.ts";

export const putObject: OperationHandler<"PutObject"> = async (req) => {
  const { source, expect } = uploadBody(req.body, req.headers, req.auth.payload);
  const meta = writeHeaders(req.headers);
  const acl = aclFromHeaders(req.headers);
  const condition = writeCondition(req.headers);
  const ssec = customerKey(req.headers, req.keysAllowed);
  const sse = requestedSse(req.headers, ssec);
  const lock = lockHeaders(req.headers);
  const record = await req.engine.objects.put(req.requester, {
    bucket: req.params.bucket,
    key: req.params.key,
    body: source,
    ...(expect.size !== undefined ? { size: expect.size } : {}),
    ...meta,
    ...(acl !== undefined ? { acl } : {}),
    ...(req.headers.has("content-md5") ? { contentMd5: req.headers.get("content-md5")! } : {}),
    ...(expect.sha256Hex ? { sha256Hex: expect.sha256Hex } : {}),
    ...(expect.checksum ? { checksum: expect.checksum } : {}),
    ...(condition ? { condition } : {}),
    ...(req.headers.has("x-amz-tagging") ? { tags: tagsFromHeader(req.headers.get("x-amz-tagging")!) } : {}),
    ...(sse ? { sse } : {}),
    ...(lock ? { lock } : {}),
  });
  const headers = sseHeaders(versionHeader({ etag: quoteEtag(record.etag) }, record.versionId), record.sse, ssec, true);
  expirationHeader(headers, await req.engine.lifecycle.expiryFor(req.params.bucket, record));
  if (record.checksum) {
    headers[`x-amz-checksum-${record.checksum.algorithm.toLowerCase()}`] = record.checksum.value;
    headers["x-amz-checksum-type"] = record.checksum.type;
  }
  return { headers };
};

// UploadPart: one part streamed to storage with its digests; ETag (and checksum) in the response.
import { uploadBody } from "../body.ts";
import { quoteEtag } from "../headers.ts";
import { customerKey, sseHeaders } from "../sse-headers.ts";
import type { OperationHandler } from "../types.ts";
import { abortHeaders } from "../lifecycle-headers.ts";

export const uploadPart: OperationHandler<"UploadPart"> = async (req) => {
  const { uploadId, partNumber } = req.params;
  const { source, expect } = uploadBody(req.body, req.headers, req.auth.payload);
  const ssec = customerKey(req.headers, req.keysAllowed);
  const part = await req.engine.multipart.uploadPart(req.requester, {
    bucket: req.params.bucket,
    key: req.params.key,
    uploadId,
    partNumber,
    body: source,
    ...(expect.size !== undefined ? { size: expect.size } : {}),
    ...(req.headers.has("content-md5") ? { contentMd5: req.headers.get("content-md5")! } : {}),
    ...(expect.sha256Hex ? { sha256Hex: expect.sha256Hex } : {}),
    ...(expect.checksum ? { checksum: expect.checksum } : {}),
    ...(ssec ? { customerKey: ssec.key } : {}),
  });
  const headers = abortHeaders(sseHeaders({ etag: quoteEtag(part.etag) }, part.sse, ssec), await req.engine.lifecycle.abortFor(req.params.bucket, req.params.key, part.initiated));
  if (part.checksum && part.checksumAlgorithm) headers[`x-amz-checksum-${part.checksumAlgorithm.toLowerCase()}`] = part.checksum;
  return { headers };
};

// UploadPart: one part streamed to storage with its digests; ETag (and checksum) in the response.
import { S3Error } from "../../errors.ts";
import { uploadBody } from "../body.ts";
import { quoteEtag } from "../headers.ts";
import { bucketOf, keyOf, type OperationHandler, type S3Request } from "../types.ts";

/** partNumber and uploadId of a part request. */
export function partTarget(req: S3Request): { uploadId: string; partNumber: number } {
  const uploadId = req.query.get("uploadId");
  const partText = req.query.get("partNumber");
  if (!uploadId) throw new S3Error("InvalidArgument", { message: "This operation needs an uploadId.", detail: { ArgumentName: "uploadId" } });
  const partNumber = partText !== null && /^\d+$/.test(partText) ? Number(partText) : Number.NaN;
  return { uploadId, partNumber };
}

export const uploadPart: OperationHandler = async (req) => {
  const { uploadId, partNumber } = partTarget(req);
  const { source, expect } = uploadBody(req.body, req.headers, req.auth.payload);
  const part = await req.engine.multipart.uploadPart(req.requester, {
    bucket: bucketOf(req),
    key: keyOf(req),
    uploadId,
    partNumber,
    body: source,
    ...(expect.size !== undefined ? { size: expect.size } : {}),
    ...(req.headers.has("content-md5") ? { contentMd5: req.headers.get("content-md5")! } : {}),
    ...(expect.sha256Hex ? { sha256Hex: expect.sha256Hex } : {}),
    ...(expect.checksum ? { checksum: expect.checksum } : {}),
  });
  const headers: Record<string, string> = { etag: quoteEtag(part.etag) };
  if (part.checksum && part.checksumAlgorithm) headers[`x-amz-checksum-${part.checksumAlgorithm.toLowerCase()}`] = part.checksum;
  return { headers };
};

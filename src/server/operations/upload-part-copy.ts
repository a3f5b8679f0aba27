// UploadPartCopy: a part copied from an existing object, optionally a byte range of it.
import { S3Error } from "../../errors.ts";
import { copySourceConditions, parseCopySource } from "../copy-source.ts";
import { quoteEtag } from "../headers.ts";
import { isoDate } from "../listing.ts";
import { customerKey, sseHeaders } from "../sse-headers.ts";
import type { OperationHandler } from "../types.ts";

function copyRange(value: string | null): { start: number; end: number } | undefined {
  if (value === null) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(value.trim());
  if (!m) {
    throw new S3Error("InvalidArgument", {
      message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
      detail: { ArgumentName: "x-amz-copy-source-range", ArgumentValue: value },
    });
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

export const uploadPartCopy: OperationHandler<"UploadPartCopy"> = async (req) => {
  const { uploadId, partNumber } = req.params;
  const range = copyRange(req.headers.get("x-amz-copy-source-range"));
  const ssec = customerKey(req.headers, req.keysAllowed);
  const sourceKey = customerKey(req.headers, req.keysAllowed, true);
  const part = await req.engine.multipart.uploadPartCopy(req.requester, {
    bucket: req.params.bucket,
    key: req.params.key,
    uploadId,
    partNumber,
    source: parseCopySource(req.headers.get("x-amz-copy-source")!),
    ...(range ? { range } : {}),
    conditions: copySourceConditions(req.headers),
    ...(ssec ? { customerKey: ssec.key } : {}),
    ...(sourceKey ? { sourceCustomerKey: sourceKey.key } : {}),
  });
  return { headers: sseHeaders({}, part.sse, ssec), xml: { root: "CopyPartResult", body: { LastModified: isoDate(part.lastModified), ETag: quoteEtag(part.etag) } } };
};

// CompleteMultipartUpload: the part list (ascending, each with its ETag and optional checksum) becomes
// the object; If-None-Match / If-Match are honoured.
import type { CompletePart } from "../../core/multipart.ts";
import { CHECKSUM_ALGORITHMS } from "../../core/digest.ts";
import { S3Error } from "../../errors.ts";
import { quoteEtag, versionHeader } from "../headers.ts";
import { customerKey, sseHeaders } from "../sse-headers.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody } from "../xml.ts";
import { writeCondition } from "../preconditions.ts";
import { expirationHeader } from "../lifecycle-headers.ts";
import type { ObjectRecord } from "../../metadata/store.ts";

function parseParts(xml: string): CompletePart[] {
  const doc = parseXml(xml, ["CompleteMultipartUpload.Part"]).CompleteMultipartUpload as { Part?: unknown[] } | undefined | "";
  if (doc === undefined) throw new S3Error("MalformedXML");
  const parts = doc === "" ? [] : (doc.Part ?? []);
  return parts.map((p): CompletePart => {
    const part = p as Record<string, unknown>;
    const n = typeof part.PartNumber === "string" && /^\d+$/.test(part.PartNumber.trim()) ? Number(part.PartNumber) : Number.NaN;
    if (Number.isNaN(n) || typeof part.ETag !== "string") throw new S3Error("MalformedXML");
    const checksumField = CHECKSUM_ALGORITHMS.map((a) => part[`Checksum${a}`]).find((v) => typeof v === "string") as string | undefined;
    return { partNumber: n, etag: part.ETag, ...(checksumField !== undefined ? { checksum: checksumField } : {}) };
  });
}

export const completeMultipartUpload: OperationHandler<"CompleteMultipartUpload"> = async (req) => {
  const { uploadId } = req.params;
  const parts = parseParts(await readXmlBody(req.body));
  const condition = writeCondition(req.headers);
  const ssec = customerKey(req.headers, req.keysAllowed);
  const done = await req.engine.multipart.complete(req.requester, {
    bucket: req.params.bucket, key: req.params.key, uploadId, parts, ...(condition ? { condition } : {}), ...(ssec ? { customerKey: ssec.key } : {}),
  });
  // A retried Complete answers from the upload's record alone: the object's age is not in it.
  const expiry = "lastModified" in done ? await req.engine.lifecycle.expiryFor(done.bucket, done as ObjectRecord) : undefined;
  const headers = expirationHeader(sseHeaders(versionHeader({}, done.versionId), done.sse, ssec), expiry);
  if (done.checksum) headers["x-amz-checksum-type"] = done.checksum.type;
  return {
    headers,
    xml: {
      root: "CompleteMultipartUploadResult",
      body: {
        Location: `/${done.bucket}/${encodeURIComponent(done.key).replace(/%2F/g, "/")}`,
        Bucket: done.bucket,
        Key: done.key,
        ETag: quoteEtag(done.etag),
        ...(done.checksum ? { [`Checksum${done.checksum.algorithm}`]: done.checksum.value, ChecksumType: done.checksum.type } : {}),
      },
    },
  };
};

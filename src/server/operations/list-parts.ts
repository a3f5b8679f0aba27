// ListParts: the parts of an in-progress upload, paged by part-number-marker and max-parts.
import { invalidArgument } from "../../errors.ts";
import { quoteEtag } from "../headers.ts";
import { isoDate, ownerXml } from "../listing.ts";
import type { OperationHandler } from "../types.ts";

function nonNegative(value: string | null, name: string, fallback: number): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value.trim())) throw invalidArgument(`${name} must be a non-negative integer`, name, value);
  return Number(value);
}

export const listParts: OperationHandler<"ListParts"> = async (req) => {
  const { uploadId } = req.params;
  const marker = nonNegative(req.query.get("part-number-marker"), "part-number-marker", 0);
  const maxParts = Math.min(nonNegative(req.query.get("max-parts"), "max-parts", 1000), 1000);
  const { upload, page } = await req.engine.multipart.listParts(req.requester, req.params.bucket, req.params.key, uploadId, marker, maxParts);
  const algorithm = upload.checksumAlgorithm;
  return {
    xml: {
      root: "ListPartsResult",
      body: {
        Bucket: upload.bucket,
        Key: upload.key,
        UploadId: upload.uploadId,
        Initiator: ownerXml(upload.owner),
        Owner: ownerXml(upload.owner),
        StorageClass: upload.storageClass,
        PartNumberMarker: marker,
        ...(page.nextPartNumberMarker !== undefined ? { NextPartNumberMarker: page.nextPartNumberMarker } : {}),
        MaxParts: maxParts,
        IsTruncated: page.isTruncated,
        ...(algorithm ? { ChecksumAlgorithm: algorithm, ChecksumType: upload.checksumType } : {}),
        Part: page.parts.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: isoDate(p.lastModified),
          ETag: quoteEtag(p.etag),
          Size: p.size,
          ...(algorithm && p.checksum ? { [`Checksum${algorithm}`]: p.checksum } : {}),
        })),
      },
    },
  };
};

// ListMultipartUploads: in-progress uploads by key then initiation, with prefix, delimiter,
// key-marker / upload-id-marker and max-uploads.
import { parseMaxKeys } from "../../core/listing.ts";
import { commonPrefixesXml, isoDate, listParams, ownerXml } from "../listing.ts";
import type { OperationHandler } from "../types.ts";

export const listMultipartUploads: OperationHandler<"ListMultipartUploads"> = async (req) => {
  const q = req.query;
  const params = listParams(q);
  const maxUploads = parseMaxKeys(q.get("max-uploads"), "max-uploads");
  const keyMarker = q.get("key-marker") ?? "";
  const uploadIdMarker = keyMarker ? (q.get("upload-id-marker") ?? "") : "";
  const page = await req.engine.multipart.listUploads(req.requester, req.params.bucket, {
    prefix: params.prefix, delimiter: params.delimiter, keyMarker, uploadIdMarker, maxUploads,
  });
  return {
    xml: {
      root: "ListMultipartUploadsResult",
      body: {
        Bucket: req.params.bucket,
        KeyMarker: params.encode(keyMarker),
        UploadIdMarker: uploadIdMarker,
        ...(page.nextKeyMarker !== undefined ? { NextKeyMarker: params.encode(page.nextKeyMarker) } : {}),
        ...(page.nextUploadIdMarker !== undefined ? { NextUploadIdMarker: page.nextUploadIdMarker } : {}),
        ...(params.delimiter ? { Delimiter: params.encode(params.delimiter) } : {}),
        Prefix: params.encode(params.prefix),
        MaxUploads: maxUploads,
        IsTruncated: page.isTruncated,
        Upload: page.uploads.map((u) => ({
          Key: params.encode(u.key),
          UploadId: u.uploadId,
          Initiator: ownerXml(u.owner),
          Owner: ownerXml(u.owner),
          StorageClass: u.storageClass,
          Initiated: isoDate(u.initiated),
          ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm, ChecksumType: u.checksumType } : {}),
        })),
        CommonPrefixes: commonPrefixesXml(page.commonPrefixes, params.encode),
        ...(params.encodingType ? { EncodingType: params.encodingType } : {}),
      },
    },
  };
};

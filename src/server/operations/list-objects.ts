// ListObjects (V1): prefix, delimiter, max-keys, marker / NextMarker, encoding-type=url.
import { commonPrefixesXml, entryXml, listingPage } from "../listing.ts";
import type { OperationHandler } from "../types.ts";

export const listObjects: OperationHandler<"ListObjects"> = async (req) => {
  const q = req.query;
  const marker = q.get("marker") ?? "";
  const { params, maxKeys, page } = await listingPage(req, marker);
  return {
    xml: {
      root: "ListBucketResult",
      body: {
        Name: req.params.bucket,
        Prefix: params.encode(params.prefix),
        Marker: params.encode(marker),
        ...(page.isTruncated && page.nextMarker !== undefined ? { NextMarker: params.encode(page.nextMarker) } : {}),
        MaxKeys: maxKeys,
        ...(params.delimiter ? { Delimiter: params.encode(params.delimiter) } : {}),
        IsTruncated: page.isTruncated,
        Contents: page.entries.map((e) => entryXml(e, params.encode, true)),
        CommonPrefixes: commonPrefixesXml(page.commonPrefixes, params.encode),
        ...(params.encodingType ? { EncodingType: params.encodingType } : {}),
      },
    },
  };
};

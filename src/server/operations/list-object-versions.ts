// ListObjectVersions on an unversioned bucket: every object once, as its only (latest) version "null",
// so tools that list versions before deleting work.
import { quoteEtag } from "../headers.ts";
import { commonPrefixesXml, isoDate, listingPage, ownerXml } from "../listing.ts";
import { bucketOf, type OperationHandler } from "../types.ts";

export const listObjectVersions: OperationHandler = async (req) => {
  const q = req.query;
  const keyMarker = q.get("key-marker") ?? "";
  const versionIdMarker = q.get("version-id-marker") ?? "";
  const { params, maxKeys, page } = await listingPage(req, keyMarker);
  return {
    xml: {
      root: "ListVersionsResult",
      body: {
        Name: bucketOf(req),
        Prefix: params.encode(params.prefix),
        KeyMarker: params.encode(keyMarker),
        VersionIdMarker: versionIdMarker,
        ...(page.isTruncated && page.nextMarker !== undefined
          ? { NextKeyMarker: params.encode(page.nextMarker), NextVersionIdMarker: "null" }
          : {}),
        MaxKeys: maxKeys,
        ...(params.delimiter ? { Delimiter: params.encode(params.delimiter) } : {}),
        IsTruncated: page.isTruncated,
        Version: page.entries.map((e) => ({
          Key: params.encode(e.key),
          VersionId: "null",
          IsLatest: true,
          LastModified: isoDate(e.lastModified),
          ETag: quoteEtag(e.etag),
          Size: e.size,
          Owner: ownerXml(e.owner),
          StorageClass: e.storageClass,
        })),
        CommonPrefixes: commonPrefixesXml(page.commonPrefixes, params.encode),
        ...(params.encodingType ? { EncodingType: params.encodingType } : {}),
      },
    },
  };
};

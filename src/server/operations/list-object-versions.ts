// ListObjectVersions on an unversioned bucket: every object once, as its only (latest) version "null",
// so tools that list versions before deleting work.
import { parseMaxKeys } from "../../core/listing.ts";
import { quoteEtag } from "../headers.ts";
import { commonPrefixesXml, isoDate, listParams, ownerXml } from "../listing.ts";
import { bucketOf, type OperationHandler } from "../types.ts";

export const listObjectVersions: OperationHandler = async (req) => {
  const q = req.query;
  const params = listParams(q);
  const maxKeys = parseMaxKeys(q.get("max-keys"));
  const keyMarker = q.get("key-marker") ?? "";
  const versionIdMarker = q.get("version-id-marker") ?? "";
  const page = await req.engine.listing.list(req.requester, {
    bucket: bucketOf(req), prefix: params.prefix, delimiter: params.delimiter, after: keyMarker, maxKeys,
  });
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

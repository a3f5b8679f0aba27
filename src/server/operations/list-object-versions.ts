// ListObjectVersions: versions and delete markers by key (newest first within a key), with prefix,
// delimiter, key-marker / version-id-marker paging; an unversioned bucket lists each object once as
// its null version, so tools that list versions before deleting work everywhere.
import { parseMaxKeys } from "../../core/listing.ts";
import { quoteEtag } from "../headers.ts";
import { commonPrefixesXml, isoDate, listParams, ownerXml } from "../listing.ts";
import type { OperationHandler } from "../types.ts";
import type { XmlNode } from "../xml.ts";

export const listObjectVersions: OperationHandler<"ListObjectVersions"> = async (req) => {
  const q = req.query;
  const keyMarker = q.get("key-marker") ?? "";
  const versionIdMarker = q.get("version-id-marker") ?? "";
  const params = listParams(q);
  const maxKeys = parseMaxKeys(q.get("max-keys"));
  const page = await req.engine.listing.listVersions(req.requester, {
    bucket: req.params.bucket, prefix: params.prefix, delimiter: params.delimiter, after: keyMarker, versionIdMarker, maxKeys,
  });
  const versions: XmlNode[] = [];
  const markers: XmlNode[] = [];
  for (const v of page.versions) {
    const common = { Key: params.encode(v.key), VersionId: v.versionId, IsLatest: v.isLatest, LastModified: isoDate(v.lastModified) };
    if (v.deleteMarker) markers.push({ ...common, Owner: ownerXml(v.owner) });
    else versions.push({ ...common, ETag: quoteEtag(v.etag), Size: v.size, Owner: ownerXml(v.owner), StorageClass: v.storageClass });
  }
  return {
    xml: {
      root: "ListVersionsResult",
      body: {
        Name: req.params.bucket,
        Prefix: params.encode(params.prefix),
        KeyMarker: params.encode(keyMarker),
        VersionIdMarker: versionIdMarker,
        ...(page.nextKeyMarker !== undefined ? { NextKeyMarker: params.encode(page.nextKeyMarker) } : {}),
        ...(page.nextVersionIdMarker !== undefined ? { NextVersionIdMarker: page.nextVersionIdMarker } : {}),
        MaxKeys: maxKeys,
        ...(params.delimiter ? { Delimiter: params.encode(params.delimiter) } : {}),
        IsTruncated: page.isTruncated,
        Version: versions,
        DeleteMarker: markers,
        CommonPrefixes: commonPrefixesXml(page.commonPrefixes, params.encode),
        ...(params.encodingType ? { EncodingType: params.encodingType } : {}),
      },
    },
  };
};

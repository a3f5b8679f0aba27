// What the three listing operations share on the wire: their common query parameters, the
// encoding-type=url form of keys, and the XML of an object entry.
import { parseMaxKeys } from "../core/listing.ts";
import { S3Error } from "../errors.ts";
import type { ListEntry } from "../metadata/store.ts";
import { uriEncode } from "./auth/sigv4.ts";
import { quoteEtag } from "./headers.ts";
import type { S3Request } from "./types.ts";
import type { XmlNode } from "./xml.ts";

/** S3's encoding-type=url: percent-encoding with "/" kept and a space as "+". */
export function urlEncodeKey(value: string): string {
  return uriEncode(value, true).replace(/%20/g, "+");
}

export interface ListParams {
  prefix: string;
  delimiter: string;
  /** Encoder for key-bearing response values (identity unless encoding-type=url). */
  encode: (value: string) => string;
  encodingType?: "url";
}

export function listParams(query: URLSearchParams): ListParams {
  const encoding = query.get("encoding-type");
  if (encoding !== null && encoding.toLowerCase() !== "url") {
    throw new S3Error("InvalidArgument", {
      message: "Invalid Encoding Method specified in Request",
      detail: { ArgumentName: "encoding-type", ArgumentValue: encoding },
    });
  }
  const url = encoding !== null;
  return {
    prefix: query.get("prefix") ?? "",
    delimiter: query.get("delimiter") ?? "",
    encode: url ? urlEncodeKey : (v) => v,
    ...(url ? { encodingType: "url" as const } : {}),
  };
}

export const isoDate = (ms: number) => new Date(ms).toISOString();

export function ownerXml(owner: { id: string; displayName: string }): XmlNode {
  return { ID: owner.id, DisplayName: owner.displayName };
}

export function entryXml(e: ListEntry, encode: (v: string) => string, withOwner: boolean): XmlNode {
  return {
    Key: encode(e.key),
    LastModified: isoDate(e.lastModified),
    ETag: quoteEtag(e.etag),
    Size: e.size,
    ...(withOwner ? { Owner: ownerXml(e.owner) } : {}),
    StorageClass: e.storageClass,
  };
}

export function commonPrefixesXml(prefixes: string[], encode: (v: string) => string): XmlNode[] {
  return prefixes.map((p) => ({ Prefix: encode(p) }));
}

/** The page a listing request asks for, starting after `after`, with the parameters it was read with. */
export async function listingPage(req: S3Request<"ListObjects" | "ListObjectsV2">, after: string) {
  const params = listParams(req.query);
  const maxKeys = parseMaxKeys(req.query.get("max-keys"));
  const page = await req.engine.listing.list(req.requester, {
    bucket: req.params.bucket, prefix: params.prefix, delimiter: params.delimiter, after, maxKeys,
  });
  return { params, maxKeys, page };
}

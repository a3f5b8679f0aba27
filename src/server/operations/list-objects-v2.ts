// ListObjectsV2: prefix, delimiter, max-keys, continuation-token / start-after, fetch-owner,
// encoding-type=url. The continuation token is the opaque form of the last key or prefix returned.
import { parseMaxKeys } from "../../core/listing.ts";
import { S3Error } from "../../errors.ts";
import { commonPrefixesXml, entryXml, listParams } from "../listing.ts";
import { bucketOf, type OperationHandler } from "../types.ts";

const TOKEN_PREFIX = "bs1:";
const encodeToken = (marker: string) => Buffer.from(TOKEN_PREFIX + marker, "utf8").toString("base64url");

function decodeToken(token: string): string {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!text.startsWith(TOKEN_PREFIX)) {
    throw new S3Error("InvalidArgument", {
      message: "The continuation token provided is incorrect",
      detail: { ArgumentName: "continuation-token", ArgumentValue: token },
    });
  }
  return text.slice(TOKEN_PREFIX.length);
}

export const listObjectsV2: OperationHandler = async (req) => {
  const q = req.query;
  const params = listParams(q);
  const maxKeys = parseMaxKeys(q.get("max-keys"));
  const token = q.get("continuation-token");
  const startAfter = q.get("start-after");
  const after = token !== null ? decodeToken(token) : (startAfter ?? "");
  const fetchOwner = q.get("fetch-owner") === "true";
  const page = await req.engine.listing.list(req.requester, {
    bucket: bucketOf(req), prefix: params.prefix, delimiter: params.delimiter, after, maxKeys,
  });
  return {
    xml: {
      root: "ListBucketResult",
      body: {
        Name: bucketOf(req),
        Prefix: params.encode(params.prefix),
        ...(token !== null ? { ContinuationToken: token } : {}),
        ...(page.isTruncated && page.nextMarker !== undefined ? { NextContinuationToken: encodeToken(page.nextMarker) } : {}),
        KeyCount: page.entries.length + page.commonPrefixes.length,
        MaxKeys: maxKeys,
        ...(params.delimiter ? { Delimiter: params.encode(params.delimiter) } : {}),
        IsTruncated: page.isTruncated,
        ...(startAfter !== null ? { StartAfter: params.encode(startAfter) } : {}),
        Contents: page.entries.map((e) => entryXml(e, params.encode, fetchOwner)),
        CommonPrefixes: commonPrefixesXml(page.commonPrefixes, params.encode),
        ...(params.encodingType ? { EncodingType: params.encodingType } : {}),
      },
    },
  };
};

// ListObjectsV2: prefix, delimiter, max-keys, continuation-token / start-after, fetch-owner,
// encoding-type=url. The continuation token is the opaque form of the last key or prefix returned.
import { S3Error } from "../../errors.ts";
import { commonPrefixesXml, entryXml, listingPage } from "../listing.ts";
import type { OperationHandler } from "../types.ts";

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

export const listObjectsV2: OperationHandler<"ListObjectsV2"> = async (req) => {
  const q = req.query;
  const token = q.get("continuation-token");
  const startAfter = q.get("start-after");
  const fetchOwner = q.get("fetch-owner") === "true";
  const { params, maxKeys, page } = await listingPage(req, token !== null ? decodeToken(token) : (startAfter ?? ""));
  return {
    xml: {
      root: "ListBucketResult",
      body: {
        Name: req.params.bucket,
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

// ListBuckets: the requester's buckets, with prefix, max-buckets and continuation-token paging.
import { requireOwner } from "../../core/buckets.ts";
import { invalidArgument } from "../../errors.ts";
import type { OperationHandler } from "../types.ts";

const encodeToken = (name: string) => Buffer.from(name, "utf8").toString("base64url");
const decodeToken = (token: string) => Buffer.from(token, "base64url").toString("utf8");

export const listBuckets: OperationHandler<"ListBuckets"> = async (req) => {
  const owner = requireOwner(req.requester);
  const maxText = req.query.get("max-buckets");
  let maxBuckets: number | undefined;
  if (maxText !== null) {
    maxBuckets = /^\d+$/.test(maxText) ? Number(maxText) : Number.NaN;
    if (!(maxBuckets >= 1 && maxBuckets <= 10000)) throw invalidArgument("max-buckets must be an integer from 1 to 10000.", "max-buckets", maxText);
  }
  const prefix = req.query.get("prefix") ?? undefined;
  const token = req.query.get("continuation-token");
  const list = await req.engine.buckets.list(req.requester, {
    ...(prefix !== undefined ? { prefix } : {}),
    ...(maxBuckets !== undefined ? { maxBuckets } : {}),
    ...(token ? { after: decodeToken(token) } : {}),
  });
  return {
    xml: {
      root: "ListAllMyBucketsResult",
      body: {
        Owner: { ID: owner.id, DisplayName: owner.displayName },
        Buckets: { Bucket: list.buckets.map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt).toISOString(), BucketRegion: b.region })) },
        ...(list.nextAfter ? { ContinuationToken: encodeToken(list.nextAfter) } : {}),
        ...(prefix !== undefined ? { Prefix: prefix } : {}),
      },
    },
  };
};

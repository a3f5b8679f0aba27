// HeadBucket: 200 with the bucket's region, or the error status with no body.
import { bucketOf, type OperationHandler } from "../types.ts";

export const headBucket: OperationHandler = async (req) => {
  const bucket = await req.engine.buckets.head(req.requester, bucketOf(req));
  return { headers: { "x-amz-bucket-region": bucket.region, "x-amz-access-point-alias": "false" } };
};

// HeadBucket: 200 with the bucket's region, or the error status with no body.
import type { OperationHandler } from "../types.ts";

export const headBucket: OperationHandler<"HeadBucket"> = async (req) => {
  const bucket = await req.engine.buckets.head(req.requester, req.params.bucket);
  return { headers: { "x-amz-bucket-region": bucket.region, "x-amz-access-point-alias": "false" } };
};

// DeleteBucket: only an empty bucket, only by its owner; 204.
import { bucketOf, type OperationHandler } from "../types.ts";

export const deleteBucket: OperationHandler = async (req) => {
  await req.engine.buckets.delete(req.requester, bucketOf(req));
  return { status: 204 };
};

// DeleteBucket: only an empty bucket, only by its owner; 204.
import type { OperationHandler } from "../types.ts";

export const deleteBucket: OperationHandler<"DeleteBucket"> = async (req) => {
  await req.engine.buckets.delete(req.requester, req.params.bucket);
  return { status: 204 };
};

// GetBucketLocation: the region as a LocationConstraint, empty for us-east-1 (as S3 answers).
import type { OperationHandler } from "../types.ts";

export const getBucketLocation: OperationHandler<"GetBucketLocation"> = async (req) => {
  const region = await req.engine.buckets.location(req.requester, req.params.bucket);
  return { xml: { root: "LocationConstraint", body: { "#text": region === "us-east-1" ? "" : region } } };
};

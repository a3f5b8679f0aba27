// AbortMultipartUpload: the upload and its parts are gone; 204.
import { bucketOf, keyOf, type OperationHandler } from "../types.ts";

export const abortMultipartUpload: OperationHandler = async (req) => {
  await req.engine.multipart.abort(req.requester, bucketOf(req), keyOf(req), req.query.get("uploadId")!);
  return { status: 204 };
};

// AbortMultipartUpload: the upload and its parts are gone; 204.
import type { OperationHandler } from "../types.ts";

export const abortMultipartUpload: OperationHandler<"AbortMultipartUpload"> = async (req) => {
  await req.engine.multipart.abort(req.requester, req.params.bucket, req.params.key, req.params.uploadId);
  return { status: 204 };
};

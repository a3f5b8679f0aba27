// DeleteObject: 204 whether or not the key existed.
import { bucketOf, keyOf, type OperationHandler } from "../types.ts";

export const deleteObject: OperationHandler = async (req) => {
  await req.engine.objects.delete(req.requester, bucketOf(req), keyOf(req));
  return { status: 204 };
};

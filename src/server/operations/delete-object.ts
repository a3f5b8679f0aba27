// DeleteObject: 204 whether or not the key existed, unless If-Match was sent: then the current
// object must exist (404 NoSuchKey) and carry that ETag, or be any object for `*` (412 otherwise).
import { writeCondition } from "../preconditions.ts";
import { bucketOf, keyOf, type OperationHandler } from "../types.ts";

export const deleteObject: OperationHandler = async (req) => {
  await req.engine.objects.delete(req.requester, bucketOf(req), keyOf(req), writeCondition(req.headers));
  return { status: 204 };
};

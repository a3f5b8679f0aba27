// DeleteObject: 204 whether or not the key existed, unless If-Match was sent: then the current
// object must exist (404 NoSuchKey) and carry that ETag, or be any object for `*` (412 otherwise).
// With ?versionId=, that version goes for good; in a versioned bucket a plain delete writes a delete
// marker (x-amz-delete-marker, x-amz-version-id).
import { versionHeader } from "../headers.ts";
import { writeCondition } from "../preconditions.ts";
import { bypassGovernance } from "../lock-headers.ts";
import type { OperationHandler } from "../types.ts";

export const deleteObject: OperationHandler<"DeleteObject"> = async (req) => {
  const versionId = req.params.versionId;
  const condition = writeCondition(req.headers);
  const done = await req.engine.objects.delete(req.requester, req.params.bucket, req.params.key, {
    ...(versionId !== undefined ? { versionId } : {}), ...(condition ? { condition } : {}), bypassGovernance: bypassGovernance(req.headers),
  });
  const headers = versionHeader({}, done.versionId, versionId !== undefined || done.deleteMarker);
  if (done.deleteMarker) headers["x-amz-delete-marker"] = "true";
  return { status: 204, headers };
};

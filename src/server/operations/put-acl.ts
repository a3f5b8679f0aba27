// PutBucketAcl and PutObjectAcl: a canned ACL, x-amz-grant-* headers or an AccessControlPolicy body.
import { aclFromRequest } from "../acl.ts";

import type { OperationHandler } from "../types.ts";

export const putBucketAcl: OperationHandler<"PutBucketAcl"> = async (req) => {
  await req.engine.acls.putBucketAcl(req.requester, req.params.bucket, () => aclFromRequest(req.headers, req.body));
  return {};
};

export const putObjectAcl: OperationHandler<"PutObjectAcl"> = async (req) => {
  await req.engine.acls.putObjectAcl(req.requester, req.params.bucket, req.params.key, () => aclFromRequest(req.headers, req.body), req.params.versionId);
  return {};
};

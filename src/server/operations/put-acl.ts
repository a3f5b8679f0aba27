// PutBucketAcl and PutObjectAcl: a canned ACL, x-amz-grant-* headers or an AccessControlPolicy body.
import { aclFromRequest } from "../acl.ts";

import type { OperationHandler } from "../types.ts";

export const putBucketAcl: OperationHandler<"PutBucketAcl"> = async (req) => {
  const spec = await aclFromRequest(req.headers, req.body);
  await req.engine.acls.putBucketAcl(req.requester, req.params.bucket, spec);
  return {};
};

export const putObjectAcl: OperationHandler<"PutObjectAcl"> = async (req) => {
  const spec = await aclFromRequest(req.headers, req.body);
  await req.engine.acls.putObjectAcl(req.requester, req.params.bucket, req.params.key, spec, req.params.versionId);
  return {};
};

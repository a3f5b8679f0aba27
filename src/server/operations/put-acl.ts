// PutBucketAcl and PutObjectAcl: a canned ACL, x-amz-grant-* headers or an AccessControlPolicy body.
import { aclFromRequest } from "../acl.ts";
import { versionIdOf } from "../headers.ts";
import { bucketOf, keyOf, type OperationHandler } from "../types.ts";

export const putBucketAcl: OperationHandler = async (req) => {
  const spec = await aclFromRequest(req.headers, req.body);
  await req.engine.acls.putBucketAcl(req.requester, bucketOf(req), spec);
  return {};
};

export const putObjectAcl: OperationHandler = async (req) => {
  const spec = await aclFromRequest(req.headers, req.body);
  await req.engine.acls.putObjectAcl(req.requester, bucketOf(req), keyOf(req), spec, versionIdOf(req.query));
  return {};
};

// GetBucketAcl and GetObjectAcl: the AccessControlPolicy of a bucket or an object.
import { aclXml } from "../acl.ts";

import type { OperationHandler } from "../types.ts";

export const getBucketAcl: OperationHandler<"GetBucketAcl"> = async (req) => {
  const acl = await req.engine.acls.getBucketAcl(req.requester, req.params.bucket);
  return { xml: { root: "AccessControlPolicy", body: aclXml(acl) } };
};

export const getObjectAcl: OperationHandler<"GetObjectAcl"> = async (req) => {
  const acl = await req.engine.acls.getObjectAcl(req.requester, req.params.bucket, req.params.key, req.params.versionId);
  return { xml: { root: "AccessControlPolicy", body: aclXml(acl) } };
};

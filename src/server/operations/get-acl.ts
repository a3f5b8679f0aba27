// GetBucketAcl and GetObjectAcl: the AccessControlPolicy of a bucket or an object.
import { aclXml } from "../acl.ts";
import { versionIdOf } from "../headers.ts";
import { bucketOf, keyOf, type OperationHandler } from "../types.ts";

export const getBucketAcl: OperationHandler = async (req) => {
  const acl = await req.engine.acls.getBucketAcl(req.requester, bucketOf(req));
  return { xml: { root: "AccessControlPolicy", body: aclXml(acl) } };
};

export const getObjectAcl: OperationHandler = async (req) => {
  const acl = await req.engine.acls.getObjectAcl(req.requester, bucketOf(req), keyOf(req), versionIdOf(req.query));
  return { xml: { root: "AccessControlPolicy", body: aclXml(acl) } };
};

// The operation table: every operation BleepStore serves, by its AWS name.
import type { OperationTable, S3Response } from "../types.ts";
import { abortMultipartUpload } from "./abort-multipart-upload.ts";
import { completeMultipartUpload } from "./complete-multipart-upload.ts";
import { copyObject } from "./copy-object.ts";
import { createMultipartUpload } from "./create-multipart-upload.ts";
import { createBucket } from "./create-bucket.ts";
import { getBucketVersioning, putBucketVersioning } from "./bucket-versioning.ts";
import { deleteBucketSetting, getBucketSetting } from "./bucket-settings.ts";
import { deleteBucketCors, getBucketCors, preflightCors, putBucketCors } from "./cors.ts";
import { deleteBucket } from "./delete-bucket.ts";
import { deleteObject } from "./delete-object.ts";
import { deleteObjects } from "./delete-objects.ts";
import { getBucketAcl, getObjectAcl } from "./get-acl.ts";
import { getBucketLocation } from "./get-bucket-location.ts";
import { getObject, headObject } from "./get-object.ts";
import { headBucket } from "./head-bucket.ts";
import { listBuckets } from "./list-buckets.ts";
import { listMultipartUploads } from "./list-multipart-uploads.ts";
import { listParts } from "./list-parts.ts";
import { listObjectVersions } from "./list-object-versions.ts";
import { listObjects } from "./list-objects.ts";
import { listObjectsV2 } from "./list-objects-v2.ts";
import { putBucketAcl, putObjectAcl } from "./put-acl.ts";
import { putObject } from "./put-object.ts";
import { uploadPart } from "./upload-part.ts";
import { uploadPartCopy } from "./upload-part-copy.ts";

/**
 * An operation whose module is imported at its first request: the settings of buckets and objects
 * and POST uploads, which most requests never reach, stay out of start-up (idle RSS, issue 33).
 */
function lazy<M extends Record<K, (req: never) => Promise<S3Response>>, K extends keyof M>(load: () => Promise<M>, name: K): M[K] {
  return (async (req: never) => (await load())[name](req)) as M[K];
}
const encryption = () => import("./bucket-encryption.ts");
const notification = () => import("./bucket-notification.ts");
const policy = () => import("./bucket-policy.ts");
const post = () => import("./post-object.ts");
const lifecycle = () => import("./bucket-lifecycle.ts");
const logging = () => import("./bucket-logging.ts");
const access = () => import("./bucket-access.ts");
const lock = () => import("./object-lock.ts");
const tagging = () => import("./tagging.ts");
const attributes = () => import("./get-object-attributes.ts");

export const OPERATIONS: OperationTable = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  DeleteBucket: deleteBucket,
  HeadBucket: headBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketAcl: getBucketAcl,
  PutBucketAcl: putBucketAcl,
  GetBucketVersioning: getBucketVersioning,
  GetBucketSetting: getBucketSetting,
  GetBucketCors: getBucketCors,
  PutBucketCors: putBucketCors,
  DeleteBucketCors: deleteBucketCors,
  GetBucketEncryption: lazy(encryption, "getBucketEncryption"),
  PutBucketEncryption: lazy(encryption, "putBucketEncryption"),
  DeleteBucketEncryption: lazy(encryption, "deleteBucketEncryption"),
  GetBucketNotificationConfiguration: lazy(notification, "getBucketNotificationConfiguration"),
  PutBucketNotificationConfiguration: lazy(notification, "putBucketNotificationConfiguration"),
  PostObject: lazy(post, "postObject"),
  GetBucketLifecycleConfiguration: lazy(lifecycle, "getBucketLifecycleConfiguration"),
  PutBucketLifecycleConfiguration: lazy(lifecycle, "putBucketLifecycleConfiguration"),
  GetBucketLogging: lazy(logging, "getBucketLogging"),
  PutBucketLogging: lazy(logging, "putBucketLogging"),
  DeleteBucketLifecycle: lazy(lifecycle, "deleteBucketLifecycle"),
  GetBucketPolicy: lazy(policy, "getBucketPolicy"),
  PutBucketPolicy: lazy(policy, "putBucketPolicy"),
  DeleteBucketPolicy: lazy(policy, "deleteBucketPolicy"),
  GetBucketPolicyStatus: lazy(policy, "getBucketPolicyStatus"),
  GetPublicAccessBlock: lazy(access, "getPublicAccessBlock"),
  PutPublicAccessBlock: lazy(access, "putPublicAccessBlock"),
  DeletePublicAccessBlock: lazy(access, "deletePublicAccessBlock"),
  GetBucketOwnershipControls: lazy(access, "getBucketOwnershipControls"),
  PutBucketOwnershipControls: lazy(access, "putBucketOwnershipControls"),
  DeleteBucketOwnershipControls: lazy(access, "deleteBucketOwnershipControls"),
  GetObjectLockConfiguration: lazy(lock, "getObjectLockConfiguration"),
  PutObjectLockConfiguration: lazy(lock, "putObjectLockConfiguration"),
  GetObjectRetention: lazy(lock, "getObjectRetention"),
  PutObjectRetention: lazy(lock, "putObjectRetention"),
  GetObjectLegalHold: lazy(lock, "getObjectLegalHold"),
  PutObjectLegalHold: lazy(lock, "putObjectLegalHold"),
  PreflightCors: preflightCors,
  GetBucketTagging: lazy(tagging, "getBucketTagging"),
  PutBucketTagging: lazy(tagging, "putBucketTagging"),
  DeleteBucketTagging: lazy(tagging, "deleteBucketTagging"),
  GetObjectTagging: lazy(tagging, "getObjectTagging"),
  PutObjectTagging: lazy(tagging, "putObjectTagging"),
  DeleteObjectTagging: lazy(tagging, "deleteObjectTagging"),
  DeleteBucketSetting: deleteBucketSetting,
  PutBucketVersioning: putBucketVersioning,
  GetObjectAcl: getObjectAcl,
  PutObjectAcl: putObjectAcl,
  ListObjects: listObjects,
  ListObjectsV2: listObjectsV2,
  ListObjectVersions: listObjectVersions,
  PutObject: putObject,
  CopyObject: copyObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  UploadPartCopy: uploadPartCopy,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
  ListMultipartUploads: listMultipartUploads,
  GetObject: getObject,
  HeadObject: headObject,
  GetObjectAttributes: lazy(attributes, "getObjectAttributes"),
  DeleteObject: deleteObject,
  DeleteObjects: deleteObjects,
};

// The operation table: every operation BleepStore serves, by its AWS name.
import type { OperationTable } from "../types.ts";
import { abortMultipartUpload } from "./abort-multipart-upload.ts";
import { completeMultipartUpload } from "./complete-multipart-upload.ts";
import { copyObject } from "./copy-object.ts";
import { createMultipartUpload } from "./create-multipart-upload.ts";
import { createBucket } from "./create-bucket.ts";
import { getBucketVersioning, putBucketVersioning } from "./bucket-versioning.ts";
import { deleteBucketSetting, getBucketSetting } from "./bucket-settings.ts";
import { deleteBucketCors, getBucketCors, preflightCors, putBucketCors } from "./cors.ts";
import { deleteBucketEncryption, getBucketEncryption, putBucketEncryption } from "./bucket-encryption.ts";
import { getBucketNotificationConfiguration, putBucketNotificationConfiguration } from "./bucket-notification.ts";
import { deleteBucketPolicy, getBucketPolicy, getBucketPolicyStatus, putBucketPolicy } from "./bucket-policy.ts";
import { postObject } from "./post-object.ts";
import { deleteBucketLifecycle, getBucketLifecycleConfiguration, putBucketLifecycleConfiguration } from "./bucket-lifecycle.ts";
import { getBucketLogging, putBucketLogging } from "./bucket-logging.ts";
import {
  deleteBucketOwnershipControls, deletePublicAccessBlock, getBucketOwnershipControls, getPublicAccessBlock, putBucketOwnershipControls, putPublicAccessBlock,
} from "./bucket-access.ts";
import {
  getObjectLegalHold, getObjectLockConfiguration, getObjectRetention, putObjectLegalHold, putObjectLockConfiguration, putObjectRetention,
} from "./object-lock.ts";
import {
  deleteBucketTagging, deleteObjectTagging, getBucketTagging, getObjectTagging, putBucketTagging, putObjectTagging,
} from "./tagging.ts";
import { deleteBucket } from "./delete-bucket.ts";
import { deleteObject } from "./delete-object.ts";
import { deleteObjects } from "./delete-objects.ts";
import { getBucketAcl, getObjectAcl } from "./get-acl.ts";
import { getBucketLocation } from "./get-bucket-location.ts";
import { getObject, headObject } from "./get-object.ts";
import { getObjectAttributes } from "./get-object-attributes.ts";
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
  GetBucketEncryption: getBucketEncryption,
  PutBucketEncryption: putBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
  GetBucketNotificationConfiguration: getBucketNotificationConfiguration,
  PutBucketNotificationConfiguration: putBucketNotificationConfiguration,
  PostObject: postObject,
  GetBucketLifecycleConfiguration: getBucketLifecycleConfiguration,
  PutBucketLifecycleConfiguration: putBucketLifecycleConfiguration,
  GetBucketLogging: getBucketLogging,
  PutBucketLogging: putBucketLogging,
  DeleteBucketLifecycle: deleteBucketLifecycle,
  GetBucketPolicy: getBucketPolicy,
  PutBucketPolicy: putBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  GetBucketPolicyStatus: getBucketPolicyStatus,
  GetPublicAccessBlock: getPublicAccessBlock,
  PutPublicAccessBlock: putPublicAccessBlock,
  DeletePublicAccessBlock: deletePublicAccessBlock,
  GetBucketOwnershipControls: getBucketOwnershipControls,
  PutBucketOwnershipControls: putBucketOwnershipControls,
  DeleteBucketOwnershipControls: deleteBucketOwnershipControls,
  GetObjectLockConfiguration: getObjectLockConfiguration,
  PutObjectLockConfiguration: putObjectLockConfiguration,
  GetObjectRetention: getObjectRetention,
  PutObjectRetention: putObjectRetention,
  GetObjectLegalHold: getObjectLegalHold,
  PutObjectLegalHold: putObjectLegalHold,
  PreflightCors: preflightCors,
  GetBucketTagging: getBucketTagging,
  PutBucketTagging: putBucketTagging,
  DeleteBucketTagging: deleteBucketTagging,
  GetObjectTagging: getObjectTagging,
  PutObjectTagging: putObjectTagging,
  DeleteObjectTagging: deleteObjectTagging,
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
  GetObjectAttributes: getObjectAttributes,
  DeleteObject: deleteObject,
  DeleteObjects: deleteObjects,
};

// The one error type of BleepStore: an S3 error code with its HTTP status and message.
// Every layer throws these through the factories below; the HTTP edge renders them as XML.

const TABLE = {
  AccessDenied: [403, "Access Denied"],
  AccessForbidden: [403, "CORSResponse: This CORS request is not allowed."],
  AuthorizationHeaderMalformed: [400, "The authorization header is malformed."],
  AuthorizationQueryParametersError: [400, "Error parsing the X-Amz-Credential parameter."],
  BadDigest: [400, "The Content-MD5 you specified did not match what we received."],
  BadRequest: [400, "Bad Request"],
  BucketAlreadyExists: [409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."],
  BucketAlreadyOwnedByYou: [409, "Your previous request to create the named bucket succeeded and you already own it."],
  BucketNotEmpty: [409, "The bucket you tried to delete is not empty."],
  EntityTooLarge: [400, "Your proposed upload exceeds the maximum allowed object size."],
  EntityTooSmall: [400, "Your proposed upload is smaller than the minimum allowed object size."],
  IllegalLocationConstraintException: [400, "The location constraint is incompatible with the region of this endpoint."],
  IncompleteBody: [400, "You did not provide the number of bytes specified by the Content-Length HTTP header."],
  InternalError: [500, "We encountered an internal error. Please try again."],
  InvalidAccessKeyId: [403, "The AWS Access Key Id you provided does not exist in our records."],
  InvalidArgument: [400, "Invalid Argument"],
  InvalidBucketName: [400, "The specified bucket is not valid."],
  InvalidBucketState: [409, "The request is not valid with the current state of the bucket."],
  InvalidDigest: [400, "The Content-MD5 you specified is not valid."],
  InvalidEncryptionAlgorithmError: [400, "The encryption request you specified is not valid. The valid value is AES256."],
  InvalidLocationConstraint: [400, "The specified location constraint is not valid."],
  InvalidPart: [400, "One or more of the specified parts could not be found."],
  InvalidPartNumber: [416, "The requested partnumber is not satisfiable"],
  InvalidPartOrder: [400, "The list of parts was not in ascending order."],
  InvalidRange: [416, "The requested range is not satisfiable"],
  InvalidRequest: [400, "Invalid Request"],
  InvalidStorageClass: [400, "The storage class you specified is not valid."],
  InvalidTag: [400, "The tag provided was not a valid tag."],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  KeyTooLongError: [400, "Your key is too long."],
  // SSE-KMS: what S3 answers when the key manager refuses (the KMS exception's name after "KMS.").
  "KMS.AlreadyExistsException": [400, "An alias with this name already exists."],
  "KMS.DisabledException": [400, "The KMS key is disabled."],
  "KMS.KMSInvalidStateException": [400, "The KMS key is pending deletion."],
  "KMS.NotFoundException": [400, "The KMS key does not exist."],
  "KMS.UnsupportedOperationException": [400, "This operation is not supported on an AWS managed key."],
  MalformedACLError: [400, "The XML you provided was not well-formed or did not validate against our published schema."],
  MalformedXML: [400, "The XML you provided was not well-formed or did not validate against our published schema."],
  AccessControlListNotSupported: [400, "The bucket does not allow ACLs"],
  MalformedPOSTRequest: [400, "The body of your POST request is not well-formed multipart/form-data."],
  InvalidPolicyDocument: [400, "The content of the form does not meet the conditions specified in the policy document."],
  InvalidTargetBucketForLogging: [400, "The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group."],
  MalformedPolicy: [400, "Policies must be valid JSON and the first byte must be '{'"],
  MetadataTooLarge: [400, "Your metadata headers exceed the maximum allowed metadata size."],
  MissingSecurityHeader: [400, "Your request was missing a required header."],
  MethodNotAllowed: [405, "The specified method is not allowed against this resource."],
  MissingContentLength: [411, "You must provide the Content-Length HTTP header."],
  NoSuchBucket: [404, "The specified bucket does not exist."],
  NoSuchBucketPolicy: [404, "The bucket policy does not exist."],
  NoSuchConfiguration: [404, "The specified configuration does not exist."],
  NoSuchCORSConfiguration: [404, "The CORS configuration does not exist."],
  NoSuchLifecycleConfiguration: [404, "The lifecycle configuration does not exist."],
  NoSuchPublicAccessBlockConfiguration: [404, "The public access block configuration was not found."],
  NoSuchTagSet: [404, "The TagSet does not exist."],
  NoSuchWebsiteConfiguration: [404, "The specified bucket does not have a website configuration."],
  ObjectLockConfigurationNotFoundError: [404, "Object Lock configuration does not exist for this bucket."],
  OwnershipControlsNotFoundError: [404, "The bucket ownership controls were not found."],
  ReplicationConfigurationNotFoundError: [404, "The replication configuration was not found."],
  ServerSideEncryptionConfigurationNotFoundError: [404, "The server side encryption configuration was not found."],
  NoSuchKey: [404, "The specified key does not exist."],
  NoSuchVersion: [404, "The specified version does not exist."],
  NoSuchObjectLockConfiguration: [404, "The specified object does not have a ObjectLock configuration."],
  NoSuchUpload: [404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."],
  NotImplemented: [501, "A header you provided implies functionality that is not implemented."],
  NotModified: [304, "Not Modified"],
  PreconditionFailed: [412, "At least one of the pre-conditions you specified did not hold."],
  RequestTimeTooSkewed: [403, "The difference between the request time and the current time is too large."],
  ServiceUnavailable: [503, "Please reduce your request rate."],
  SignatureDoesNotMatch: [403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."],
  SlowDown: [503, "Please reduce your request rate."],
  StorageFull: [507, "The server has no space left to store this object."],
  UnresolvableGrantByEmailAddress: [400, "The email address you provided does not match any account on record."],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof TABLE;
/** The HTTP status S3 answers a code with. */
export const statusOf = (code: S3ErrorCode): number => TABLE[code][0];

export class S3Error extends Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  /** Extra elements S3 adds to the error document (BucketName, Key, ...). */
  readonly detail: Record<string, string>;
  /** Headers the response must carry (e.g. x-amz-bucket-region). */
  readonly headers: Record<string, string>;

  constructor(
    code: S3ErrorCode,
    options: { message?: string; detail?: Record<string, string>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(options.message ?? TABLE[code][1], { cause: options.cause });
    this.name = "S3Error";
    this.code = code;
    this.status = TABLE[code][0];
    this.detail = options.detail ?? {};
    this.headers = options.headers ?? {};
  }
}

export const s3error = (code: S3ErrorCode, message?: string, detail?: Record<string, string>) =>
  new S3Error(code, { message, detail });

export const noSuchBucket = (bucket: string) => new S3Error("NoSuchBucket", { detail: { BucketName: bucket } });
export const noSuchKey = (key: string) => new S3Error("NoSuchKey", { detail: { Key: key } });
export const invalidBucketName = (bucket: string, why?: string) =>
  new S3Error("InvalidBucketName", { message: why, detail: { BucketName: bucket } });
export const bucketNotEmpty = (bucket: string) => new S3Error("BucketNotEmpty", { detail: { BucketName: bucket } });
export const invalidArgument = (message: string, name?: string, value?: string) =>
  new S3Error("InvalidArgument", {
    message,
    detail: name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? "" },
  });
export const notImplemented = (what: string) =>
  new S3Error("NotImplemented", { message: `${what} is not implemented by BleepStore.` });
export const internalError = (cause: unknown) => new S3Error("InternalError", { cause });

/** Any thrown value as an S3Error; unknown failures become InternalError (detail logged, never sent). */
export function toS3Error(err: unknown): S3Error {
  return err instanceof S3Error ? err : internalError(err);
}

// S3's (upstream) errors as the client should see them from the gateway, one by one. The upstream's
// throttling is the client's SlowDown; anything about the gateway's own credentials or bucket is a
// server fault (InternalError, the cause logged), never the client's AccessDenied or NoSuchBucket.
import { S3Error } from "../errors.ts";

interface SdkErrorLike { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown }

export function awsError(err: unknown): never {
  const e = err as SdkErrorLike;
  // Not the upstream's answer (the client's body failing, a digest mismatch): as it is.
  if (err instanceof S3Error || typeof e?.$metadata !== "object") throw err;
  switch (e?.name) {
    case "SlowDown":
    case "ThrottlingException":
    case "RequestLimitExceeded":
    case "ServiceUnavailable":
      throw new S3Error("SlowDown", { cause: err });
    case "AccessDenied":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
      throw new S3Error("InternalError", { message: "The storage backend refused BleepStore's credentials.", cause: err });
    case "NoSuchBucket":
      throw new S3Error("InternalError", { message: "The storage backend's bucket does not exist.", cause: err });
  }
  if (e?.$metadata?.httpStatusCode === 503) throw new S3Error("SlowDown", { cause: err });
  throw new S3Error("InternalError", { cause: err });
}

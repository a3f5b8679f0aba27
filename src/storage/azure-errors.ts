// Azure's errors as S3's, one by one; what has no S3 meaning is an InternalError with the cause logged.
import { S3Error } from "../errors.ts";

interface RestErrorLike { statusCode?: number; code?: string; message?: string }

/** A blob (or container) that is not there: a read answers null. */
export function isAzureMissing(err: unknown): boolean {
  const e = err as RestErrorLike;
  return e?.statusCode === 404 || e?.code === "BlobNotFound";
}

/** Rethrows an Azure error as the S3 error a client should see. */
export function azureError(err: unknown): never {
  if (err instanceof S3Error) throw err;
  const e = err as RestErrorLike;
  switch (e?.code) {
    case "ServerBusy":
    case "OperationTimedOut":
      throw new S3Error("SlowDown", { cause: err });
    case "InsufficientAccountPermissions":
    case "AuthorizationFailure":
    case "AuthenticationFailed":
      // The gateway's own credentials, not the client's: a server fault.
      throw new S3Error("InternalError", { message: "The storage backend refused BleepStore's credentials.", cause: err });
  }
  if (e?.statusCode === 503) throw new S3Error("SlowDown", { cause: err });
  throw new S3Error("InternalError", { cause: err });
}

// Google Cloud Storage's errors as S3's, one by one; what has no S3 meaning is an InternalError with
// the cause logged.
import { S3Error } from "../errors.ts";

interface ApiErrorLike { code?: number | string; message?: string }

const status = (err: unknown): number | undefined => {
  const code = (err as ApiErrorLike)?.code;
  return typeof code === "number" ? code : undefined;
};

/** An object (or bucket) that is not there: a read answers null. */
export const isGcsMissing = (err: unknown): boolean => status(err) === 404;

/** Rethrows a Cloud Storage error as the S3 error a client should see. */
export function gcsError(err: unknown): never {
  if (err instanceof S3Error) throw err;
  switch (status(err)) {
    case 429:
    case 503:
      throw new S3Error("SlowDown", { cause: err });
    case 401:
    case 403:
      // The gateway's own credentials, not the client's: a server fault.
      throw new S3Error("InternalError", { message: "The storage backend refused BleepStore's credentials.", cause: err });
  }
  throw new S3Error("InternalError", { cause: err });
}

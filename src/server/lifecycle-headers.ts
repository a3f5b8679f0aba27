// What S3 tells clients of the bucket's lifecycle rules: x-amz-expiration on writes and reads of an
// object a rule will expire, x-amz-abort-date and x-amz-abort-rule-id on an upload a rule will abort.
import type { Due } from "../core/lifecycle-due.ts";

/** x-amz-expiration: expiry-date="<HTTP date>", rule-id="<rule id, URL-encoded>". */
export function expirationHeader(headers: Record<string, string>, due: Due | undefined): Record<string, string> {
  if (due) headers["x-amz-expiration"] = `expiry-date="${new Date(due.date).toUTCString()}", rule-id="${encodeURIComponent(due.ruleId)}"`;
  return headers;
}

export function abortHeaders(headers: Record<string, string>, due: Due | undefined): Record<string, string> {
  if (due) {
    headers["x-amz-abort-date"] = new Date(due.date).toUTCString();
    headers["x-amz-abort-rule-id"] = due.ruleId;
  }
  return headers;
}

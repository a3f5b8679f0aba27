// The Object Lock headers of a write (x-amz-object-lock-mode, -retain-until-date, -legal-hold) and of
// a GET/HEAD response, with S3's errors for malformed ones.
import type { LockRequest } from "../core/object-lock.ts";
import { S3Error } from "../errors.ts";
import type { ObjectRecord, RetentionMode } from "../metadata/store.ts";

const invalid = (message: string, name: string, value?: string) =>
  new S3Error("InvalidArgument", { message, detail: { ArgumentName: name, ...(value !== undefined ? { ArgumentValue: value } : {}) } });

export function parseMode(value: string, name: string): RetentionMode {
  if (value === "GOVERNANCE" || value === "COMPLIANCE") return value;
  throw invalid("Unknown wormMode directive.", name, value);
}

export function parseUntil(value: string, name: string): number {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value.trim()) || Number.isNaN(ms)) throw invalid("The retain until date must be provided in ISO 8601 format", name, value);
  return ms;
}

/** The lock settings a write asks for; undefined when it sends none. */
export function lockHeaders(h: Headers): LockRequest | undefined {
  const mode = h.get("x-amz-object-lock-mode");
  const until = h.get("x-amz-object-lock-retain-until-date");
  const hold = h.get("x-amz-object-lock-legal-hold");
  if (mode === null && until === null && hold === null) return undefined;
  if ((mode === null) !== (until === null)) {
    throw invalid("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied", mode === null ? "x-amz-object-lock-mode" : "x-amz-object-lock-retain-until-date");
  }
  if (hold !== null && hold !== "ON" && hold !== "OFF") throw invalid("Legal Hold must be either of 'ON' or 'OFF'", "x-amz-object-lock-legal-hold", hold);
  return {
    ...(mode !== null ? { mode: parseMode(mode, "x-amz-object-lock-mode"), until: parseUntil(until!, "x-amz-object-lock-retain-until-date") } : {}),
    ...(hold !== null ? { legalHold: hold === "ON" } : {}),
  };
}

/** A version's lock in GET/HEAD response headers. */
export function lockResponseHeaders(out: Record<string, string>, record: ObjectRecord): Record<string, string> {
  if (record.retention) {
    out["x-amz-object-lock-mode"] = record.retention.mode;
    out["x-amz-object-lock-retain-until-date"] = new Date(record.retention.until).toISOString();
  }
  if (record.legalHold !== undefined) out["x-amz-object-lock-legal-hold"] = record.legalHold ? "ON" : "OFF";
  return out;
}

export const bypassGovernance = (h: Headers) => h.get("x-amz-bypass-governance-retention")?.trim().toLowerCase() === "true";

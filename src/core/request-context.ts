// The request a piece of engine work belongs to, for correlating events and logs with requests. Set by
// the HTTP edge around each handler; the engine only ever reads these fields (it never sees the request):
// the id, and who made it and from where (S3's event records name both).
import { AsyncLocalStorage } from "node:async_hooks";
import type { Permission, PublicAccessBlock } from "../metadata/store.ts";

export interface RequestInfo {
  id: string;
  /** The requester's canonical id ("" when anonymous). */
  requester: string;
  /** The peer's address ("" when unknown). */
  sourceIp: string;
  /** Whether the request came over TLS (aws:SecureTransport). */
  secure?: boolean;
  /** ACL permissions a bucket policy's Allow granted this request (server/authorize.ts); the ACL checks honour them. */
  granted?: ReadonlySet<Permission>;
  /** The public access block of the request's bucket: public ACLs refused (block) or not counted (ignore). */
  publicAccess?: Pick<PublicAccessBlock, "blockPublicAcls" | "ignorePublicAcls">;
}

const current = new AsyncLocalStorage<RequestInfo>();
const NONE: RequestInfo = { id: "", requester: "", sourceIp: "" };

export function withRequest<T>(info: RequestInfo, run: () => T): T {
  return current.run(info, run);
}

/** The request being served, or empty fields for work outside one (start-up, recovery, the CLI). */
export function currentRequest(): RequestInfo {
  return current.getStore() ?? NONE;
}

/** The id of the request being served, or "" for work outside one. */
export function currentRequestId(): string {
  return current.getStore()?.id ?? "";
}

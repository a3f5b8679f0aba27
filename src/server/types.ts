// The shapes operation handlers take and return. Handlers return data; app.ts renders it.
import type { Requester } from "../core/acl.ts";
import type { Engine } from "../core/engine.ts";
import type { StoredData } from "../storage/backend.ts";
import type { AuthResult } from "./auth/authenticate.ts";
import type { Operation } from "./resolve.ts";
import type { XmlNode } from "./xml.ts";

export interface S3Request {
  operation: Operation;
  bucket?: string;
  key?: string;
  method: string;
  query: URLSearchParams;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  auth: AuthResult;
  requester: Requester;
  engine: Engine;
  requestId: string;
}

export interface S3Response {
  status?: number;
  headers?: Record<string, string>;
  /** An XML document: root element name and its content. */
  xml?: { root: string; body: XmlNode };
  /** Raw bytes (object data) or text. */
  body?: StoredData | string | null;
}

export type OperationHandler = (req: S3Request) => Promise<S3Response>;

/** The bucket a bucket- or object-level operation names (the resolver guarantees it). */
export function bucketOf(req: S3Request): string {
  return req.bucket!;
}

export function keyOf(req: S3Request): string {
  return req.key!;
}

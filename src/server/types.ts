// The shapes operation handlers take and return. Handlers return data; app.ts renders it.
import type { Requester } from "../core/acl.ts";
import type { Engine } from "../core/engine.ts";
import type { StoredData } from "../storage/backend.ts";
import type { AuthResult } from "./auth/authenticate.ts";
import type { Operation, OperationParams } from "./resolve.ts";
import type { XmlNode } from "./xml.ts";

export interface S3Request<O extends Operation = Operation> {
  operation: O;
  /** What the resolver parsed for this operation (bucket, key, version, upload, part). */
  params: OperationParams[O];
  method: string;
  query: URLSearchParams;
  headers: Headers;
  body: AsyncIterable<Uint8Array> | null;
  auth: AuthResult;
  requester: Requester;
  engine: Engine;
  requestId: string;
  /** Whether keys may be sent on this connection: https, loopback, or plain HTTP allowed by config. */
  keysAllowed(): boolean;
}

export interface S3Response {
  status?: number;
  headers?: Record<string, string>;
  /** An XML document: root element name and its content. */
  xml?: { root: string; body: XmlNode };
  /** Raw bytes (object data) or text. */
  body?: StoredData | string | null;
}

export type OperationHandler<O extends Operation = Operation> = (req: S3Request<O>) => Promise<S3Response>;

/** The operations BleepStore serves (every one but Unsupported). */
export type Served = Exclude<Operation, "Unsupported">;

/** One handler per served operation: a missing one is a compile error, not a runtime 501. */
export type OperationTable = { [O in Served]: OperationHandler<O> };

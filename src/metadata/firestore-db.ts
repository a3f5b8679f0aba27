// The Firestore database behind metadata.engine: firestore. Collections, all named from
// metadata.firestore.collection (C):
//   C_credentials/{accessKey}              C_buckets/{bucket}
//   C_buckets/{bucket}/C_objects/{b64(key)}  current versions; field k = the key (listing order)
//   C_buckets/{bucket}/C_versions/{b64(key)}~{sortKey}   noncurrent versions, newest first per key
//   C_uploads/{uploadId}, C_uploads/{uploadId}/C_parts/{00001}, C_cleanup/{uploadId}
//   C_pending/{seq}, C_events/{seq}         the outbox, and its delivered history
//   C_records/{kind}~{b64(id)}               small records (the key manager's keys)
// Keys are fields, never document ids (a key may hold "/" or be ".."); ids are base64url of the key.
// Firestore orders strings by their UTF-8 bytes, which is S3's order. Every document keeps its record
// as JSON in `r`. This module alone loads the SDK (lazily, only for this engine) and maps its errors.
import type { CollectionReference, DocumentReference, Firestore, Transaction } from "@google-cloud/firestore";
import { createConnection } from "node:net";
import { S3Error } from "../errors.ts";
import { Limiter } from "./limiter.ts";

export const b64 = (key: string) => Buffer.from(key, "utf8").toString("base64url");
export const partId = (n: number) => String(n).padStart(5, "0");
export const seqId = (seq: number) => String(seq).padStart(16, "0");

export interface FirestoreOptions {
  collection: string;
  project: string;
  credentialsFile: string;
  /** host:port (or http://host:port) of an emulator or compatible service; "" for Google's. */
  endpoint: string;
}

/** gRPC status codes that mean "later": quota, unavailable, a deadline, a transaction that kept losing. */
const BUSY = new Set([4, 8, 10, 14]);

export function firestoreError(err: unknown): never {
  if (err instanceof S3Error) throw err;
  const code = (err as { code?: number }).code;
  if (typeof code === "number" && BUSY.has(code)) throw new S3Error("SlowDown", { cause: err });
  throw new S3Error("InternalError", { message: "The metadata database did not answer as expected.", cause: err });
}

/** Resolves once a TCP connection to host:port opens (then closes it); rejects on refusal or after 5 s. */
function tcpReachable(hostPort: string, defaultPort: number): Promise<void> {
  const at = hostPort.lastIndexOf(":");
  const host = at > 0 ? hostPort.slice(0, at).replace(/^\[|\]$/g, "") : hostPort;
  const port = at > 0 ? Number(hostPort.slice(at + 1)) : defaultPort;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port, timeout: 5_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`no connection within 5 s`));
    });
    socket.once("error", (err) => reject(err));
  });
}

export class FsDb {
  private constructor(readonly db: Firestore, private readonly root: string, readonly FieldPath: typeof import("@google-cloud/firestore").FieldPath, readonly AggregateField: typeof import("@google-cloud/firestore").AggregateField) {}

  static async open(o: FirestoreOptions): Promise<FsDb> {
    const endpoint = o.endpoint.replace(/\/+$/, "");
    // gRPC retries a refused connection for as long as its deadline allows: a plain TCP connect first
    // makes an endpoint that is not there fail at once.
    if (endpoint) await tcpReachable(endpoint.replace(/^https?:\/\//, ""), endpoint.startsWith("https://") ? 443 : 80);
    const sdk = await import("@google-cloud/firestore");
    const db = new sdk.Firestore({
      projectId: o.project,
      ...(o.credentialsFile ? { keyFilename: o.credentialsFile } : {}),
      ...(endpoint ? { host: endpoint.replace(/^https?:\/\//, ""), ssl: endpoint.startsWith("https://") } : {}),
    });
    return new FsDb(db, o.collection, sdk.FieldPath, sdk.AggregateField);
  }

  close(): Promise<void> {
    return this.db.terminate();
  }

  col(name: string): CollectionReference {
    return this.db.collection(`${this.root}_${name}`);
  }
  credential = (accessKey: string) => this.col("credentials").doc(b64(accessKey));
  bucket = (name: string) => this.col("buckets").doc(name);
  // Subcollections carry the root's name too: collection-group queries (storage ids) find only ours.
  objects = (bucket: string) => this.bucket(bucket).collection(`${this.root}_objects`);
  object = (bucket: string, key: string) => this.objects(bucket).doc(b64(key));
  versions = (bucket: string) => this.bucket(bucket).collection(`${this.root}_versions`);
  version = (bucket: string, key: string, sortKey: string) => this.versions(bucket).doc(`${b64(key)}~${sortKey}`);
  upload = (id: string) => this.col("uploads").doc(id);
  parts = (id: string) => this.upload(id).collection(`${this.root}_parts`);
  /** Every document of a subcollection kind, across parents (objects, versions, parts). */
  group = (kind: "objects" | "versions" | "parts") => this.db.collectionGroup(`${this.root}_${kind}`);
  part = (id: string, n: number) => this.parts(id).doc(partId(n));
  cleanup = (id: string) => this.col("cleanup").doc(id);
  /** Small records (getRecord): C_records/{kind}~{b64(id)}, the id a field. */
  record = (kind: string, id: string) => this.col("records").doc(`${kind}~${b64(id)}`);
  recordsOf = (kind: string) => this.col("records").orderBy(this.FieldPath.documentId()).startAt(`${kind}~`).endBefore(`${kind}\x7f`);

  /** The noncurrent versions of a key, newest first, after a sort key (exclusive) when given. */
  versionsOf(bucket: string, key: string, after?: string) {
    const prefix = `${b64(key)}~`;
    return this.versions(bucket).orderBy(this.FieldPath.documentId())
      .startAfter(after === undefined ? prefix : `${prefix}${after}`).endBefore(`${b64(key)}\x7f`);
  }

  /** Transactions and calls in flight at once; more wait their turn. */
  private readonly limiter = new Limiter(64);

  /**
   * A read-write transaction: reads lock what they read; the SDK retries it when it loses a race, and
   * this when an outbox position it created was taken by another node (the body numbers anew).
   */
  async run<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.limiter.run(() => this.db.runTransaction(body, { maxAttempts: 50 }));
      } catch (err) {
        if (attempt < 100 && this.positionTaken(err)) continue;
        firestoreError(err);
      }
    }
  }

  /** ALREADY_EXISTS naming a document of C_pending: the only documents a transaction creates blindly. */
  private positionTaken(err: unknown): boolean {
    const e = err as { code?: number; message?: string; details?: string };
    return e.code === 6 && `${e.message ?? ""} ${e.details ?? ""}`.includes(`${this.root}_pending/`);
  }

  /** Outside a transaction, with errors mapped. */
  async call<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter.run(read);
    } catch (err) {
      firestoreError(err);
    }
  }
}

export type Ref = DocumentReference;

/** The record kept in a document's `r`. */
export function rec<T>(data: { r?: string } | undefined): T | null {
  return data?.r === undefined ? null : (JSON.parse(data.r) as T);
}

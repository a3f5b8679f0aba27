// The access log record of one answered S3 request (core/access-log-format.ts), from what the edge
// knows of it: the peer, the signature, the request line, the answer's status and size.
import { formatRecord, logOperation } from "../core/access-log-format.ts";

export interface Answered {
  started: number;
  ms: number;
  request: Request;
  method: string;
  rawPath: string;
  rawQuery: string;
  operation: string;
  bucketOwner: string;
  bucket: string;
  key: string | undefined;
  requester: string;
  requestId: string;
  remoteIp: string;
  status: number;
  /** The answer's headers as the handler gave them (a Response's own would make Bun build a Headers object). */
  headers: Record<string, string> | undefined;
  errorCode: string | undefined;
  bytesIn: number;
  bytesOut: number;
}

function signature(request: Request, query: URLSearchParams): { version: string; type: string } {
  const auth = request.headers.get("authorization") ?? "";
  if (auth.startsWith("AWS4-HMAC-SHA256")) return { version: "SigV4", type: "AuthHeader" };
  if (auth.startsWith("AWS ")) return { version: "SigV2", type: "AuthHeader" };
  if (query.has("X-Amz-Signature")) return { version: "SigV4", type: "QueryString" };
  if (query.has("Signature")) return { version: "SigV2", type: "QueryString" };
  return { version: "", type: "" };
}

export function accessLine(a: Answered): string {
  const query = new URLSearchParams(a.rawQuery);
  const sig = signature(a.request, query);
  const length = Number(a.headers?.["content-length"] ?? "");
  const objectSize = a.method === "GET" || a.method === "HEAD" ? (a.headers?.["content-length"] !== undefined && a.status < 300 ? length : undefined) : a.bytesIn || undefined;
  return formatRecord({
    bucketOwner: a.bucketOwner, bucket: a.bucket, time: a.started, remoteIp: a.remoteIp, requester: a.requester, requestId: a.requestId,
    operation: logOperation(a.method, a.operation, a.key !== undefined, query), key: a.key ?? "",
    requestUri: `${a.method} ${a.rawPath}${a.rawQuery ? `?${a.rawQuery}` : ""} HTTP/1.1`, status: a.status, errorCode: a.errorCode ?? "",
    bytesSent: a.bytesOut, objectSize, totalMs: a.ms, turnAroundMs: a.ms,
    referer: a.request.headers.get("referer") ?? "", userAgent: a.request.headers.get("user-agent") ?? "",
    versionId: a.headers?.["x-amz-version-id"] ?? "", signatureVersion: sig.version, authType: sig.type,
    host: a.request.headers.get("host") ?? "",
  });
}

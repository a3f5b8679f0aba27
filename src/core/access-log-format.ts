// One record of S3's server access log format: the documented fields in their order, space-separated,
// "-" for an empty one, the request line, referrer and user agent in quotes, the time in brackets
// ([06/Feb/2019:00:00:38 +0000]). Nothing here knows HTTP objects; the edge hands the facts over.

export interface AccessRecord {
  bucketOwner: string;
  bucket: string;
  time: number;
  remoteIp: string;
  requester: string;
  requestId: string;
  operation: string;
  key: string;
  requestUri: string;
  status: number;
  errorCode: string;
  bytesSent: number;
  objectSize: number | undefined;
  totalMs: number;
  turnAroundMs: number;
  referer: string;
  userAgent: string;
  versionId: string;
  signatureVersion: string;
  authType: string;
  host: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

export function logTime(ms: number): string {
  const d = new Date(ms);
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
}

/** A plain field: "-" when empty; no spaces or line breaks inside. */
const plain = (v: string | number | undefined) => (v === undefined || v === "" ? "-" : String(v).replace(/[\s]/g, "+"));
/** A quoted field: "-" when empty; quotes and line breaks escaped. */
const quoted = (v: string) => (v === "" ? "-" : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/[\r\n]/g, " ")}"`);

export function formatRecord(r: AccessRecord): string {
  return [
    plain(r.bucketOwner), plain(r.bucket), logTime(r.time), plain(r.remoteIp), plain(r.requester), plain(r.requestId), plain(r.operation),
    plain(r.key === "" ? "" : encodeURIComponent(r.key).replace(/%2F/g, "/")), quoted(r.requestUri), String(r.status), plain(r.errorCode),
    r.bytesSent > 0 ? String(r.bytesSent) : "-", plain(r.objectSize), String(Math.round(r.totalMs)), String(Math.round(r.turnAroundMs)),
    // Host Id, then the cipher suite and TLS version (not known to the handler: "-"), the access point, aclRequired.
    quoted(r.referer), quoted(r.userAgent), plain(r.versionId), "-", plain(r.signatureVersion), "-",
    plain(r.authType), plain(r.host), "-", "-", "-",
  ].join(" ");
}

/** Subresources that name what an operation acts on, in AWS's operation names (REST.GET.ACL...). */
const SUBRESOURCES: Array<[string, string]> = [
  ["uploadId", "UPLOAD"], ["uploads", "UPLOADS"], ["delete", "MULTI_OBJECT_DELETE"], ["acl", "ACL"], ["tagging", "TAGGING"],
  ["versioning", "VERSIONING"], ["versions", "BUCKETVERSIONS"], ["lifecycle", "LIFECYCLE"], ["policy", "BUCKETPOLICY"], ["logging", "LOGGING_STATUS"],
  ["cors", "CORS"], ["location", "LOCATION"], ["encryption", "ENCRYPTION"], ["notification", "NOTIFICATION"], ["object-lock", "OBJECT_LOCK_CONFIGURATION"],
  ["retention", "RETENTION"], ["legal-hold", "LEGAL_HOLD"], ["publicAccessBlock", "PUBLIC_ACCESS_BLOCK"], ["ownershipControls", "OWNERSHIP_CONTROLS"],
];

/** AWS's operation name for the log: REST.<method>.<what>, e.g. REST.GET.OBJECT, REST.PUT.PART, REST.COPY.OBJECT. */
export function logOperation(method: string, operation: string, hasKey: boolean, query: URLSearchParams): string {
  if (operation === "CopyObject") return "REST.COPY.OBJECT";
  if (operation === "UploadPart") return "REST.PUT.PART";
  if (operation === "UploadPartCopy") return "REST.COPY.PART";
  if (operation === "PostObject") return "REST.POST.OBJECT";
  for (const [name, what] of SUBRESOURCES) if (query.has(name)) return `REST.${method}.${what}`;
  return `REST.${method}.${hasKey ? "OBJECT" : "BUCKET"}`;
}

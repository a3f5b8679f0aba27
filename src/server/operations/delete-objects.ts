// DeleteObjects: up to 1000 keys from a <Delete> document whose integrity is proven by Content-MD5 or
// an x-amz-checksum-* header; per-key results, or only the errors in Quiet mode.
import { digesting, type BodyDigest } from "../../core/digest.ts";
import { etagList } from "../../core/conditions.ts";
import type { DeleteEntry } from "../../core/objects.ts";
import { S3Error } from "../../errors.ts";
import { notImplementedHeader } from "../protection.ts";
import { uploadBody } from "../body.ts";
import { bypassGovernance } from "../lock-headers.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";

export const MAX_DELETE_KEYS = 1000;

function parseDelete(xml: string): { quiet: boolean; entries: DeleteEntry[] } {
  const doc = parseXml(xml, ["Delete.Object"]).Delete as { Object?: unknown[]; Quiet?: unknown } | undefined;
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.Object) || doc.Object.length === 0) throw new S3Error("MalformedXML");
  if (doc.Object.length > MAX_DELETE_KEYS) {
    throw new S3Error("MalformedXML", { message: `The request may contain at most ${MAX_DELETE_KEYS} keys.` });
  }
  const entries = doc.Object.map((o): DeleteEntry => {
    const obj = o as { Key?: unknown; VersionId?: unknown; ETag?: unknown; LastModifiedTime?: unknown; Size?: unknown };
    if (typeof obj !== "object" || obj === null || typeof obj.Key !== "string") throw new S3Error("MalformedXML");
    // Directory-bucket preconditions: refused rather than ignored, like their headers (protection.ts).
    if (obj.LastModifiedTime !== undefined) throw notImplementedHeader("LastModifiedTime", "A directory-bucket delete precondition");
    if (obj.Size !== undefined) throw notImplementedHeader("Size", "A directory-bucket delete precondition");
    if (obj.ETag !== undefined && typeof obj.ETag !== "string") throw new S3Error("MalformedXML");
    const etag = typeof obj.ETag === "string" ? etagList(obj.ETag)[0] ?? "" : undefined;
    return {
      key: obj.Key,
      ...(typeof obj.VersionId === "string" ? { versionId: obj.VersionId } : {}),
      ...(etag !== undefined ? { condition: { ifMatch: etag } } : {}),
    };
  });
  const quiet = String(doc.Quiet ?? "false").trim().toLowerCase() === "true";
  return { quiet, entries };
}

export const deleteObjects: OperationHandler<"DeleteObjects"> = async (req) => {
  const h = req.headers;
  await req.engine.objects.assertAnonymousDeleteMany(req.requester, req.params.bucket);
  const hasChecksum = [...h.keys()].some((name) => name.startsWith("x-amz-checksum-") && name !== "x-amz-checksum-type");
  const { source, expect } = uploadBody(req.body, h, req.auth.payload);
  const digest: Partial<BodyDigest> = {};
  const checked = digesting(source, { ...expect, ...(h.has("content-md5") ? { contentMd5: h.get("content-md5")! } : {}) }, digest);
  // As S3: a body that is not a Delete document is MalformedXML before the digest's absence is noticed.
  const { quiet, entries } = parseDelete(await readXmlBody(checked));
  if (!h.has("content-md5") && !hasChecksum) {
    throw new S3Error("InvalidRequest", { message: "Missing required header for this request: Content-MD5" });
  }

  const bypass = bypassGovernance(h);
  const results = await req.engine.objects.deleteMany(req.requester, req.params.bucket, bypass ? entries.map((e) => ({ ...e, bypassGovernance: true })) : entries);
  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  entries.forEach((e, i) => {
    const result = results[i]!;
    const version = e.versionId !== undefined ? { VersionId: e.versionId } : {};
    if (result instanceof S3Error) errors.push({ Key: e.key, ...version, Code: result.code, Message: result.message });
    else if (!quiet) {
      const marker = result.deleteMarker ? { DeleteMarker: true, DeleteMarkerVersionId: result.versionId! } : {};
      deleted.push({ Key: e.key, ...version, ...marker });
    }
  });
  return { xml: { root: "DeleteResult", body: { Deleted: deleted, Error: errors } } };
};

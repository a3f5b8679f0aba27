// GetObjectAttributes: ETag, Checksum, ObjectParts, StorageClass and ObjectSize, as many as asked for
// in x-amz-object-attributes, with x-amz-max-parts / x-amz-part-number-marker paging the parts.
import { S3Error } from "../../errors.ts";
import { httpDate, versionHeader } from "../headers.ts";
import { customerKey } from "../sse-headers.ts";
import type { OperationHandler } from "../types.ts";
import type { XmlNode } from "../xml.ts";

const ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"] as const;
type Attribute = (typeof ATTRIBUTES)[number];

function requested(h: Headers): Set<Attribute> {
  const raw = h.get("x-amz-object-attributes");
  const names = (raw ?? "").split(",").map((n) => n.trim()).filter((n) => n !== "");
  if (names.length === 0) throw new S3Error("InvalidArgument", { message: "Empty value for x-amz-object-attributes", detail: { ArgumentName: "x-amz-object-attributes" } });
  for (const n of names) {
    if (!(ATTRIBUTES as readonly string[]).includes(n)) {
      throw new S3Error("InvalidArgument", { message: `Invalid attribute name specified: ${n}`, detail: { ArgumentName: "x-amz-object-attributes", ArgumentValue: n } });
    }
  }
  return new Set(names as Attribute[]);
}

function count(h: Headers, name: string, fallback: number): number {
  const v = h.get(name);
  if (v === null) return fallback;
  if (!/^\d+$/.test(v.trim())) throw new S3Error("InvalidArgument", { message: `${name} must be a non-negative integer`, detail: { ArgumentName: name, ArgumentValue: v } });
  return Number(v);
}

export const getObjectAttributes: OperationHandler<"GetObjectAttributes"> = async (req) => {
  const want = requested(req.headers);
  const maxParts = Math.min(count(req.headers, "x-amz-max-parts", 1000), 1000);
  const marker = count(req.headers, "x-amz-part-number-marker", 0);
  const versionId = req.params.versionId;
  const ssec = customerKey(req.headers, req.keysAllowed);
  const { record } = await req.engine.objects.head(req.requester, {
    bucket: req.params.bucket, key: req.params.key, ...(versionId !== undefined ? { versionId } : {}), ...(ssec ? { customerKey: ssec.key } : {}),
  });
  const body: XmlNode = {};
  if (want.has("ETag")) body.ETag = record.etag;
  if (want.has("Checksum") && record.checksum) {
    body.Checksum = { [`Checksum${record.checksum.algorithm}`]: record.checksum.value, ChecksumType: record.checksum.type };
  }
  if (want.has("ObjectParts") && record.partSizes) {
    const all = record.partSizes.map((size, i) => ({ PartNumber: i + 1, Size: size })).filter((p) => p.PartNumber > marker);
    const page = all.slice(0, maxParts);
    const truncated = all.length > maxParts;
    body.ObjectParts = {
      PartsCount: record.partSizes.length,
      PartNumberMarker: marker,
      ...(truncated ? { NextPartNumberMarker: page.at(-1)!.PartNumber } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page,
    };
  }
  if (want.has("StorageClass")) body.StorageClass = record.storageClass;
  if (want.has("ObjectSize")) body.ObjectSize = record.size;
  return { headers: versionHeader({ "last-modified": httpDate(record.lastModified) }, record.versionId, versionId !== undefined), xml: { root: "GetObjectAttributesResponse", body } };
};

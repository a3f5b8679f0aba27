// Metadata export and import as one JSON document, built only on the MetadataStore interface, so
// every engine writes and reads the same format. Object bytes are not included: an export describes
// what the storage backend holds.
import { NULL_VERSION, type BucketRecord, type Credential, type MetadataStore, type ObjectRecord, type PartRecord, type UploadRecord } from "../metadata/store.ts";
import { S3Error } from "../errors.ts";
import { MAX_PART_NUMBER } from "./multipart.ts";

export const EXPORT_FORMAT = "bleepstore-metadata";
export const EXPORT_VERSION = 1;

export interface MetadataExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  credentials: Credential[];
  buckets: BucketRecord[];
  objects: ObjectRecord[];
  uploads: UploadRecord[];
  parts: PartRecord[];
}

export async function exportMetadata(store: MetadataStore): Promise<MetadataExport> {
  const out: MetadataExport = {
    format: EXPORT_FORMAT, version: EXPORT_VERSION,
    credentials: await store.listCredentials(), buckets: await store.listBuckets(), objects: [], uploads: [], parts: [],
  };
  for (const bucket of out.buckets) {
    // Every version and delete marker, each key's oldest first: importing them in this order
    // rebuilds the same current and noncurrent versions.
    let keyMarker = "";
    let versionIdMarker = "";
    let key: ObjectRecord[] = [];
    const flush = () => out.objects.push(...key.reverse());
    for (;;) {
      const page = await store.listObjectVersions(bucket.name, { prefix: "", delimiter: "", keyMarker, versionIdMarker, maxKeys: 1000 });
      for (const v of page.versions) {
        const record = await store.getObject(bucket.name, v.key, v.versionId);
        if (!record) continue;
        if (key.length > 0 && key[0]!.key !== record.key) {
          flush();
          key = [];
        }
        key.push(record);
      }
      if (!page.isTruncated || page.nextKeyMarker === undefined) break;
      keyMarker = page.nextKeyMarker;
      versionIdMarker = page.nextVersionIdMarker ?? "";
    }
    flush();
    for (let after: { key: string; uploadId?: string } = { key: "", uploadId: "" }; ;) {
      const uploads = await store.listUploads(bucket.name, "", after, 1000);
      for (const upload of uploads) {
        out.uploads.push(upload);
        out.parts.push(...(await store.listParts(upload.uploadId, 0, MAX_PART_NUMBER)).parts);
      }
      const last = uploads.at(-1);
      if (uploads.length < 1000 || !last) break;
      after = { key: last.key, uploadId: last.uploadId };
    }
  }
  return out;
}

export interface ImportCounts {
  credentials: number;
  buckets: number;
  objects: number;
  uploads: number;
  parts: number;
}

/** Loads an export; existing buckets and uploads are kept, objects and credentials overwritten. */
export async function importMetadata(store: MetadataStore, doc: unknown): Promise<ImportCounts> {
  const data = doc as Partial<MetadataExport> | null;
  if (!data || data.format !== EXPORT_FORMAT || data.version !== EXPORT_VERSION) {
    throw new S3Error("InvalidArgument", { message: `Expected a ${EXPORT_FORMAT} document of version ${EXPORT_VERSION}.` });
  }
  const counts: ImportCounts = { credentials: 0, buckets: 0, objects: 0, uploads: 0, parts: 0 };
  for (const c of data.credentials ?? []) {
    await store.putCredential(c);
    counts.credentials++;
  }
  for (const b of data.buckets ?? []) if (await store.createBucket(b)) counts.buckets++;
  for (const o of data.objects ?? []) {
    // Exports made before versioning have no version ids: their objects are null versions.
    await store.putObject({ ...o, versionId: o.versionId ?? NULL_VERSION });
    counts.objects++;
  }
  for (const u of data.uploads ?? []) {
    if (await store.getUpload(u.uploadId)) continue;
    await store.createUpload(u);
    counts.uploads++;
  }
  for (const p of data.parts ?? []) {
    await store.putPart(p);
    counts.parts++;
  }
  return counts;
}

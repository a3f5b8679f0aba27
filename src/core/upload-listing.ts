// ListMultipartUploads paging: key-marker / upload-id-marker, delimiter roll-up and max-uploads over
// the metadata engine's paged, ordered list of in-progress uploads. Like object listing, a common prefix
// costs one read past it, never a walk through the uploads inside it.
import { compareKeys, prefixEnd } from "../metadata/listing.ts";
import type { MetadataStore, UploadRecord } from "../metadata/store.ts";

export interface UploadListQuery {
  delimiter: string;
  prefix: string;
  keyMarker: string;
  uploadIdMarker: string;
  maxUploads: number;
}

export interface UploadPage {
  uploads: UploadRecord[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

export async function pageUploads(store: MetadataStore, bucket: string, q: UploadListQuery): Promise<UploadPage> {
  const page: UploadPage = { uploads: [], commonPrefixes: [], isTruncated: false };
  // Without an upload-id-marker, the key-marker's own uploads are all skipped.
  let after: { key: string; uploadId?: string } = q.uploadIdMarker !== "" ? { key: q.keyMarker, uploadId: q.uploadIdMarker } : { key: q.keyMarker };
  let count = 0;
  for (;;) {
    const batch = await store.listUploads(bucket, q.prefix, after, q.maxUploads - count + 1);
    // Where to read on from after a common prefix (null: nothing can follow it).
    let restart: string | null | undefined;
    for (const u of batch) {
      const cut = q.delimiter ? u.key.indexOf(q.delimiter, q.prefix.length) : -1;
      const common = cut >= 0 ? u.key.slice(0, cut + q.delimiter.length) : undefined;
      if (common !== undefined && compareKeys(common, q.keyMarker) <= 0) {
        restart = prefixEnd(common);
        break;
      }
      if (count === q.maxUploads) {
        page.isTruncated = true;
        return page;
      }
      count++;
      if (common !== undefined) {
        page.commonPrefixes.push(common);
        page.nextKeyMarker = common;
        delete page.nextUploadIdMarker;
        restart = prefixEnd(common);
        break;
      }
      page.uploads.push(u);
      page.nextKeyMarker = u.key;
      page.nextUploadIdMarker = u.uploadId;
    }
    // A batch with room left that opened no common prefix was the last one (a full one returned above).
    if (restart === undefined || restart === null) break;
    after = { key: restart, uploadId: "" };
  }
  delete page.nextKeyMarker;
  delete page.nextUploadIdMarker;
  return page;
}

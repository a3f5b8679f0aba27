// ListMultipartUploads paging: key-marker / upload-id-marker, delimiter roll-up and max-uploads over
// the in-progress uploads of a prefix (already sorted by key, then upload id).
import { compareKeys } from "../metadata/listing.ts";
import type { UploadRecord } from "../metadata/store.ts";

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

function afterMarkers(u: UploadRecord, q: UploadListQuery): boolean {
  const c = compareKeys(u.key, q.keyMarker);
  if (c !== 0) return c > 0;
  // Without an upload-id-marker, the key-marker's own uploads are all skipped.
  return q.uploadIdMarker !== "" && u.uploadId > q.uploadIdMarker;
}

export function pageUploads(sorted: UploadRecord[], q: UploadListQuery): UploadPage {
  const page: UploadPage = { uploads: [], commonPrefixes: [], isTruncated: false };
  let count = 0;
  let lastPrefix: string | undefined;
  for (const u of sorted) {
    if (!u.key.startsWith(q.prefix) || !afterMarkers(u, q)) continue;
    const cut = q.delimiter ? u.key.indexOf(q.delimiter, q.prefix.length) : -1;
    if (cut >= 0) {
      const common = u.key.slice(0, cut + q.delimiter.length);
      if (common === lastPrefix || compareKeys(common, q.keyMarker) <= 0) continue;
      if (count === q.maxUploads) return { ...page, isTruncated: true };
      page.commonPrefixes.push(common);
      lastPrefix = common;
      page.nextKeyMarker = common;
      delete page.nextUploadIdMarker;
    } else {
      if (count === q.maxUploads) return { ...page, isTruncated: true };
      page.uploads.push(u);
      page.nextKeyMarker = u.key;
      page.nextUploadIdMarker = u.uploadId;
    }
    count++;
  }
  delete page.nextKeyMarker;
  delete page.nextUploadIdMarker;
  return page;
}

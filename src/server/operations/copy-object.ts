// CopyObject: x-amz-copy-source, x-amz-metadata-directive COPY/REPLACE, the copy-source conditions;
// answers CopyObjectResult.
import { CHECKSUM_ALGORITHMS } from "../../core/digest.ts";
import { S3Error } from "../../errors.ts";
import type { ChecksumAlgorithm } from "../../metadata/store.ts";
import { copySourceConditions, parseCopySource } from "../copy-source.ts";
import { quoteEtag, versionHeader, writeHeaders } from "../headers.ts";
import { NULL_VERSION } from "../../metadata/store.ts";
import { isoDate } from "../listing.ts";
import { customerKey, requestedSse, sseHeaders } from "../sse-headers.ts";
import { lockHeaders } from "../lock-headers.ts";
import type { OperationHandler } from "../types.ts";
import { writeCondition } from "../preconditions.ts";
import { tagsFromHeader } from "../../core/tagging.ts";
import { aclFromHeaders } from "../acl.ts";
import { expirationHeader } from "../lifecycle-headers.ts";

function directive(value: string | null, header: string, what: string): "COPY" | "REPLACE" {
  if (value === null) return "COPY";
  const upper = value.toUpperCase();
  if (upper === "COPY" || upper === "REPLACE") return upper;
  throw new S3Error("InvalidArgument", { message: `Unknown ${what} directive.`, detail: { ArgumentName: header, ArgumentValue: value } });
}

export const copyObject: OperationHandler<"CopyObject"> = async (req) => {
  const h = req.headers;
  const metadataDirective = directive(h.get("x-amz-metadata-directive"), "x-amz-metadata-directive", "metadata");
  const taggingDirective = directive(h.get("x-amz-tagging-directive"), "x-amz-tagging-directive", "tagging");
  const meta = writeHeaders(h);
  const acl = aclFromHeaders(h);
  const algorithm = h.get("x-amz-checksum-algorithm")?.toUpperCase() as ChecksumAlgorithm | undefined;
  if (algorithm !== undefined && !CHECKSUM_ALGORITHMS.includes(algorithm)) {
    throw new S3Error("InvalidRequest", { message: "Value for x-amz-checksum-algorithm header is invalid." });
  }
  const condition = writeCondition(h);
  const source = parseCopySource(h.get("x-amz-copy-source")!);
  const ssec = customerKey(h, req.keysAllowed);
  const sse = requestedSse(h, ssec);
  const sourceKey = customerKey(h, req.keysAllowed, true);
  const lock = lockHeaders(h);
  const { record, source: from } = await req.engine.copier.copy(req.requester, {
    source,
    bucket: req.params.bucket,
    key: req.params.key,
    metadataDirective,
    ...(metadataDirective === "REPLACE" ? { ...(meta.contentType ? { contentType: meta.contentType } : {}), headers: meta.headers, userMetadata: meta.userMetadata } : {}),
    ...(meta.storageClass ? { storageClass: meta.storageClass } : {}),
    ...(acl !== undefined ? { acl } : {}),
    conditions: copySourceConditions(h),
    ...(condition ? { condition } : {}),
    ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
    ...(taggingDirective === "REPLACE" ? { replaceTags: h.has("x-amz-tagging") ? tagsFromHeader(h.get("x-amz-tagging")!) : {} } : {}),
    ...(sse ? { sse } : {}),
    ...(sourceKey ? { sourceCustomerKey: sourceKey.key } : {}),
    ...(lock ? { lock } : {}),
  });
  const headers = expirationHeader(sseHeaders(versionHeader({}, record.versionId), record.sse, ssec, true), await req.engine.lifecycle.expiryFor(req.params.bucket, record));
  if (from.versionId !== NULL_VERSION || source.versionId !== undefined) headers["x-amz-copy-source-version-id"] = from.versionId;
  return {
    headers,
    xml: {
      root: "CopyObjectResult",
      body: {
        LastModified: isoDate(record.lastModified),
        ETag: quoteEtag(record.etag),
        ...(record.checksum ? { [`Checksum${record.checksum.algorithm}`]: record.checksum.value } : {}),
      },
    },
  };
};

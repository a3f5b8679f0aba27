// CreateMultipartUpload: the future object's headers, metadata, ACL and checksum algorithm.
import { CHECKSUM_ALGORITHMS } from "../../core/digest.ts";
import { S3Error } from "../../errors.ts";
import type { ChecksumAlgorithm } from "../../metadata/store.ts";
import { aclFromHeaders } from "../acl.ts";
import { writeHeaders } from "../headers.ts";
import { tagsFromHeader } from "../../core/tagging.ts";
import { customerKey, requestedSse, sseHeaders } from "../sse-headers.ts";
import { lockHeaders } from "../lock-headers.ts";
import type { OperationHandler } from "../types.ts";
import { abortHeaders } from "../lifecycle-headers.ts";

function checksumSettings(h: Headers): { checksumAlgorithm?: ChecksumAlgorithm; checksumType?: "FULL_OBJECT" | "COMPOSITE" } {
  const algorithm = h.get("x-amz-checksum-algorithm")?.toUpperCase() as ChecksumAlgorithm | undefined;
  const type = h.get("x-amz-checksum-type")?.toUpperCase();
  if (algorithm === undefined) {
    if (type !== undefined) throw new S3Error("InvalidRequest", { message: "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header." });
    return {};
  }
  if (!CHECKSUM_ALGORITHMS.includes(algorithm)) throw new S3Error("InvalidRequest", { message: "Value for x-amz-checksum-algorithm header is invalid." });
  if (type !== undefined && type !== "FULL_OBJECT" && type !== "COMPOSITE") {
    throw new S3Error("InvalidRequest", { message: "Value for x-amz-checksum-type header is invalid." });
  }
  if (type === "FULL_OBJECT" && (algorithm === "SHA1" || algorithm === "SHA256")) {
    throw new S3Error("InvalidRequest", { message: `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.` });
  }
  const defaultType = algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
  return { checksumAlgorithm: algorithm, checksumType: (type ?? defaultType) as "FULL_OBJECT" | "COMPOSITE" };
}

export const createMultipartUpload: OperationHandler<"CreateMultipartUpload"> = async (req) => {
  const meta = writeHeaders(req.headers);
  const acl = aclFromHeaders(req.headers);
  const checksum = checksumSettings(req.headers);
  const ssec = customerKey(req.headers, req.keysAllowed);
  const sse = requestedSse(req.headers, ssec);
  const lock = lockHeaders(req.headers);
  const upload = await req.engine.multipart.create(req.requester, {
    bucket: req.params.bucket, key: req.params.key, ...meta, ...(acl !== undefined ? { acl } : {}), ...checksum,
    ...(req.headers.has("x-amz-tagging") ? { tags: tagsFromHeader(req.headers.get("x-amz-tagging")!) } : {}),
    ...(sse ? { sse } : {}),
    ...(lock ? { lock } : {}),
  });
  const headers = abortHeaders(sseHeaders({}, upload.sse, ssec, true), await req.engine.lifecycle.abortFor(upload.bucket, upload.key, upload.initiated));
  if (upload.checksumAlgorithm) {
    headers["x-amz-checksum-algorithm"] = upload.checksumAlgorithm;
    headers["x-amz-checksum-type"] = upload.checksumType!;
  }
  return {
    headers,
    xml: { root: "InitiateMultipartUploadResult", body: { Bucket: upload.bucket, Key: upload.key, UploadId: upload.uploadId } },
  };
};

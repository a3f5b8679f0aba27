// POST Object: a browser upload to the bucket URL as multipart/form-data. The fields before the file
// are read, the signature and policy checked (post-policy.ts), the access decision made for the
// signer (or anonymous) as for any PutObject, then the file streamed into the store like a PUT's body —
// held to the policy's content-length-range as it arrives, nothing stored when it fails. Answers 204,
// 200 or 201 (PostResponse XML) by success_action_status, or 303 to success_action_redirect.
import { currentRequest, withRequest } from "../../core/request-context.ts";
import { tagsFromHeader } from "../../core/tagging.ts";
import { S3Error } from "../../errors.ts";
import { aclFromHeaders } from "../acl.ts";
import { authorize } from "../authorize.ts";
import { checksumExpectation } from "../body.ts";
import { boundaryOf, readForm } from "../form-data.ts";
import { quoteEtag, versionHeader, writeHeaders } from "../headers.ts";
import { lockHeaders } from "../lock-headers.ts";
import { checkPostPolicy, postSigner } from "../post-policy.ts";
import { requestedSse, sseHeaders } from "../sse-headers.ts";
import type { OperationHandler, S3Request } from "../types.ts";
import { parseXml } from "../xml.ts";

/** Form fields that stand for request headers of a PutObject. */
const HEADER_FIELD = /^(content-type|content-md5|cache-control|content-disposition|content-encoding|expires|x-amz-meta-.+|x-amz-storage-class|x-amz-server-side-encryption(?:-aws-kms-key-id|-context|-bucket-key-enabled)?|x-amz-object-lock-.+|x-amz-website-redirect-location|x-amz-checksum-.+|acl)$/;

/** The file's bytes, held to content-length-range as they arrive (over: EntityTooLarge at once; under: EntityTooSmall at the end). */
async function* limited(source: AsyncIterable<Uint8Array>, range: { min: number; max: number } | undefined): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (range && size > range.max) throw new S3Error("EntityTooLarge", { detail: { ProposedSize: String(size), MaxSizeAllowed: String(range.max) } });
    yield chunk;
  }
  if (range && size < range.min) throw new S3Error("EntityTooSmall", { detail: { ProposedSize: String(size), MinSizeAllowed: String(range.min) } });
}

/** The POST's tagging field: S3's Tagging XML, as the x-amz-tagging header's form. */
function taggingOf(xml: string | undefined): string | undefined {
  if (xml === undefined) return undefined;
  const doc = parseXml(xml, ["Tagging.TagSet.Tag"]);
  const tags = (doc.Tagging as { TagSet?: { Tag?: Array<{ Key?: unknown; Value?: unknown }> } } | undefined)?.TagSet?.Tag ?? [];
  return new URLSearchParams(tags.map((t): [string, string] => [String(t.Key ?? ""), String(t.Value ?? "")])).toString();
}

export const postObject: OperationHandler<"PostObject"> = async (req) => {
  const boundary = boundaryOf(req.headers.get("content-type"));
  if (!boundary) throw new S3Error("PreconditionFailed", { message: "Bucket POST must be of the enclosure-type multipart/form-data.", detail: { Condition: "Bucket POST must be of the enclosure-type multipart/form-data" } });
  const form = await readForm(req.body, boundary);
  const f = form.fields;
  const bucket = req.params.bucket;
  // The fields every POST needs come first, then who signed and what the policy allows.
  const rawKey = f.get("key");
  if (!rawKey) throw new S3Error("InvalidArgument", { message: "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", detail: { ArgumentName: "key", ArgumentValue: "" } });
  const signer = await postSigner(f, (ak) => req.engine.credential(ak));
  const policy = f.get("policy");
  const range = policy !== undefined ? checkPostPolicy(policy, f, form.names, bucket) : undefined;
  const key = rawKey.replaceAll("${filename}", form.file.filename);

  const headers = new Headers();
  for (const [name, value] of f) if (HEADER_FIELD.test(name)) headers.set(name === "acl" ? "x-amz-acl" : name, value);
  if (!headers.has("content-type") && form.file.contentType) headers.set("content-type", form.file.contentType);
  // x-amz-checksum-algorithm alone asks for the checksum to be computed and kept, as the SDKs' hint does on a PUT.
  if (headers.has("x-amz-checksum-algorithm")) headers.set("x-amz-sdk-checksum-algorithm", headers.get("x-amz-checksum-algorithm")!);
  const checksum = checksumExpectation(headers);
  const tagging = taggingOf(f.get("tagging"));
  if (tagging !== undefined) headers.set("x-amz-tagging", tagging);

  // The same access decision as a PutObject of this key by the signer (or anonymous).
  const requester = signer?.credential.owner ?? null;
  const asPut: S3Request = {
    ...req, operation: "PutObject", params: { bucket, key } as never, headers, requester,
    auth: { requester, ...(signer ? { accessKey: signer.accessKey } : {}), payload: { kind: "unsigned" } },
  };
  const here = currentRequest();
  const decided = await authorize(asPut, () => here.sourceIp, here.secure === true);
  const info = {
    ...here, requester: requester?.id ?? "",
    ...(decided.granted.size ? { granted: decided.granted } : {}), ...(decided.publicAccess ? { publicAccess: decided.publicAccess } : {}),
  };
  const meta = writeHeaders(headers);
  const acl = aclFromHeaders(headers);
  const sse = requestedSse(headers, undefined);
  const lock = lockHeaders(headers);
  const record = await withRequest(info, () => req.engine.objects.put(requester, {
    bucket, key, body: limited(form.file.stream, range), ...meta, how: "Post",
    ...(headers.has("content-md5") ? { contentMd5: headers.get("content-md5")! } : {}),
    ...(checksum ? { checksum } : {}),
    ...(acl !== undefined ? { acl } : {}),
    ...(tagging !== undefined ? { tags: tagsFromHeader(tagging) } : {}),
    ...(sse ? { sse } : {}),
    ...(lock ? { lock } : {}),
  }));

  const etag = quoteEtag(record.etag);
  const out = sseHeaders(versionHeader({ etag }, record.versionId), record.sse, undefined);
  if (record.checksum) out[`x-amz-checksum-${record.checksum.algorithm.toLowerCase()}`] = record.checksum.value;
  const location = `${req.headers.get("x-forwarded-proto") ?? (here.secure ? "https" : "http")}://${req.headers.get("host") ?? "localhost"}/${bucket}/${encodeURIComponent(key).replace(/%2F/g, "/")}`;
  out.location = location;
  const redirect = f.get("success_action_redirect") ?? f.get("redirect");
  if (redirect) {
    try {
      const target = new URL(redirect);
      target.searchParams.set("bucket", bucket);
      target.searchParams.set("key", key);
      target.searchParams.set("etag", etag);
      return { status: 303, headers: { ...out, location: target.toString() } };
    } catch {
      // Not a URL: S3 answers as if none were given.
    }
  }
  const status = Number(f.get("success_action_status") ?? "204");
  if (status === 201) return { status: 201, headers: out, xml: { root: "PostResponse", body: { Location: location, Bucket: bucket, Key: key, ETag: etag } } };
  return { status: status === 200 ? 200 : 204, headers: out };
};

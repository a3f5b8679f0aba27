// Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus: the bucket owner's policy, JSON kept as put;
// checked (MalformedPolicy with AWS's reason) before it is stored; IsPublic as AWS decides it.
import { S3Error } from "../../errors.ts";
import { MAX_POLICY_BYTES } from "../../core/policy/document.ts";
import type { OperationHandler } from "../types.ts";

async function policyText(body: AsyncIterable<Uint8Array> | null): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body ?? []) {
    size += chunk.length;
    if (size > MAX_POLICY_BYTES) throw new S3Error("MalformedPolicy", { message: "Policy exceeds the maximum allowed document size." });
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

export const putBucketPolicy: OperationHandler<"PutBucketPolicy"> = async (req) => {
  await req.engine.policies.set(req.requester, req.params.bucket, await policyText(req.body));
  return { status: 204 };
};

export const getBucketPolicy: OperationHandler<"GetBucketPolicy"> = async (req) => {
  const text = await req.engine.policies.get(req.requester, req.params.bucket);
  return { headers: { "content-type": "application/json" }, body: text };
};

export const deleteBucketPolicy: OperationHandler<"DeleteBucketPolicy"> = async (req) => {
  await req.engine.policies.set(req.requester, req.params.bucket, null);
  return { status: 204 };
};

export const getBucketPolicyStatus: OperationHandler<"GetBucketPolicyStatus"> = async (req) => {
  const isPublic = await req.engine.policies.status(req.requester, req.params.bucket);
  return { xml: { root: "PolicyStatus", body: { IsPublic: isPublic } } };
};

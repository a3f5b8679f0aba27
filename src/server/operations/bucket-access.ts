// Put/Get/DeletePublicAccessBlock and Put/Get/DeleteBucketOwnershipControls: the bucket owner's
// access settings, as S3's XML (MalformedXML for anything else).
import { S3Error } from "../../errors.ts";
import type { ObjectOwnership, PublicAccessBlock } from "../../metadata/store.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody } from "../xml.ts";

const FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;
const OWNERSHIPS: readonly ObjectOwnership[] = ["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"];

function flag(v: unknown): boolean {
  if (v === undefined || v === false || v === "false") return false;
  if (v === true || v === "true") return true;
  throw new S3Error("MalformedXML");
}

export const putPublicAccessBlock: OperationHandler<"PutPublicAccessBlock"> = async (req) => {
  const doc = parseXml(await readXmlBody(req.body));
  const c = doc.PublicAccessBlockConfiguration;
  if (c === undefined || (typeof c !== "object" && c !== "")) throw new S3Error("MalformedXML");
  const node = (c === "" ? {} : c) as Record<string, unknown>;
  for (const k of Object.keys(node)) if (!k.startsWith("@_") && !k.startsWith("#") && !(FLAGS as readonly string[]).includes(k)) throw new S3Error("MalformedXML");
  const pab: PublicAccessBlock = {
    blockPublicAcls: flag(node.BlockPublicAcls), ignorePublicAcls: flag(node.IgnorePublicAcls),
    blockPublicPolicy: flag(node.BlockPublicPolicy), restrictPublicBuckets: flag(node.RestrictPublicBuckets),
  };
  await req.engine.access.set(req.requester, req.params.bucket, { publicAccessBlock: pab });
  return {};
};

export const getPublicAccessBlock: OperationHandler<"GetPublicAccessBlock"> = async (req) => {
  const p = await req.engine.access.publicAccessBlock(req.requester, req.params.bucket);
  return {
    xml: {
      root: "PublicAccessBlockConfiguration",
      body: { BlockPublicAcls: p.blockPublicAcls, IgnorePublicAcls: p.ignorePublicAcls, BlockPublicPolicy: p.blockPublicPolicy, RestrictPublicBuckets: p.restrictPublicBuckets },
    },
  };
};

export const deletePublicAccessBlock: OperationHandler<"DeletePublicAccessBlock"> = async (req) => {
  await req.engine.access.set(req.requester, req.params.bucket, { publicAccessBlock: null });
  return { status: 204 };
};

export const putBucketOwnershipControls: OperationHandler<"PutBucketOwnershipControls"> = async (req) => {
  const doc = parseXml(await readXmlBody(req.body), ["OwnershipControls.Rule"]);
  const rules = (doc.OwnershipControls as { Rule?: Array<{ ObjectOwnership?: unknown }> } | undefined)?.Rule;
  if (!Array.isArray(rules) || rules.length !== 1) throw new S3Error("MalformedXML");
  const ownership = rules[0]!.ObjectOwnership;
  if (!OWNERSHIPS.includes(ownership as ObjectOwnership)) throw new S3Error("MalformedXML");
  await req.engine.access.set(req.requester, req.params.bucket, { ownership: ownership as ObjectOwnership });
  return {};
};

export const getBucketOwnershipControls: OperationHandler<"GetBucketOwnershipControls"> = async (req) => {
  const ownership = await req.engine.access.ownership(req.requester, req.params.bucket);
  return { xml: { root: "OwnershipControls", body: { Rule: { ObjectOwnership: ownership } } } };
};

export const deleteBucketOwnershipControls: OperationHandler<"DeleteBucketOwnershipControls"> = async (req) => {
  await req.engine.access.set(req.requester, req.params.bucket, { ownership: null });
  return { status: 204 };
};

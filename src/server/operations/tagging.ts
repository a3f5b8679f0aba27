// Get/Put/DeleteObjectTagging (per version) and Get/Put/DeleteBucketTagging: the Tagging document
// <Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging> both ways.
import { MAX_BUCKET_TAGS, MAX_OBJECT_TAGS, validTags } from "../../core/tagging.ts";
import { S3Error } from "../../errors.ts";
import type { Tags } from "../../metadata/store.ts";
import { versionHeader } from "../headers.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody, type XmlNode } from "../xml.ts";

const taggingXml = (tags: Tags): XmlNode => ({ TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } });

async function readTags(body: AsyncIterable<Uint8Array> | null, max: number): Promise<Tags> {
  const doc = parseXml(await readXmlBody(body), ["Tagging.TagSet.Tag"]).Tagging as { TagSet?: { Tag?: unknown[] } | "" } | undefined;
  if (!doc || typeof doc !== "object" || doc.TagSet === undefined) throw new S3Error("MalformedXML");
  const list = doc.TagSet === "" ? [] : (doc.TagSet.Tag ?? []);
  const pairs = list.map((t): [string, string] => {
    const tag = t as { Key?: unknown; Value?: unknown };
    if (typeof tag !== "object" || tag === null || typeof tag.Key !== "string") throw new S3Error("MalformedXML");
    return [tag.Key, typeof tag.Value === "string" ? tag.Value : ""];
  });
  return validTags(pairs, max);
}

export const getObjectTagging: OperationHandler<"GetObjectTagging"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const got = await req.engine.tagging.getObjectTags(req.requester, bucket, key, versionId);
  return { headers: versionHeader({}, got.versionId, versionId !== undefined), xml: { root: "Tagging", body: taggingXml(got.tags) } };
};

export const putObjectTagging: OperationHandler<"PutObjectTagging"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const tags = await readTags(req.body, MAX_OBJECT_TAGS);
  const done = await req.engine.tagging.setObjectTags(req.requester, bucket, key, versionId, tags);
  return { headers: versionHeader({}, done, versionId !== undefined) };
};

export const deleteObjectTagging: OperationHandler<"DeleteObjectTagging"> = async (req) => {
  const { bucket, key, versionId } = req.params;
  const done = await req.engine.tagging.setObjectTags(req.requester, bucket, key, versionId, null);
  return { status: 204, headers: versionHeader({}, done, versionId !== undefined) };
};

export const getBucketTagging: OperationHandler<"GetBucketTagging"> = async (req) => {
  const tags = await req.engine.tagging.getBucketTags(req.requester, req.params.bucket);
  return { xml: { root: "Tagging", body: taggingXml(tags) } };
};

export const putBucketTagging: OperationHandler<"PutBucketTagging"> = async (req) => {
  const tags = await readTags(req.body, MAX_BUCKET_TAGS);
  await req.engine.tagging.setBucketTags(req.requester, req.params.bucket, Object.keys(tags).length > 0 ? tags : null);
  return { status: 204 };
};

export const deleteBucketTagging: OperationHandler<"DeleteBucketTagging"> = async (req) => {
  await req.engine.tagging.setBucketTags(req.requester, req.params.bucket, null);
  return { status: 204 };
};

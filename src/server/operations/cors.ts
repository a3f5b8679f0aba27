// Get/Put/DeleteBucketCors, and the CORS preflight (OPTIONS) answered from the bucket's rules.
import { S3Error } from "../../errors.ts";
import { corsRules, corsXml, preflight } from "../cors.ts";
import type { OperationHandler } from "../types.ts";
import { parseXml, readXmlBody } from "../xml.ts";

export const getBucketCors: OperationHandler<"GetBucketCors"> = async (req) => {
  const bucket = await req.engine.buckets.owned(req.requester, req.params.bucket);
  if (!bucket.cors) throw new S3Error("NoSuchCORSConfiguration", { detail: { BucketName: bucket.name } });
  return { xml: { root: "CORSConfiguration", body: corsXml(bucket.cors) } };
};

export const putBucketCors: OperationHandler<"PutBucketCors"> = async (req) => {
  const doc = parseXml(await readXmlBody(req.body), [
    "CORSConfiguration.CORSRule", "CORSConfiguration.CORSRule.AllowedOrigin", "CORSConfiguration.CORSRule.AllowedMethod",
    "CORSConfiguration.CORSRule.AllowedHeader", "CORSConfiguration.CORSRule.ExposeHeader",
  ]);
  await req.engine.buckets.setCors(req.requester, req.params.bucket, corsRules(doc.CORSConfiguration));
  return {};
};

export const deleteBucketCors: OperationHandler<"DeleteBucketCors"> = async (req) => {
  await req.engine.buckets.setCors(req.requester, req.params.bucket, null);
  return { status: 204 };
};

export const preflightCors: OperationHandler<"PreflightCors"> = async (req) => {
  const bucket = await req.engine.buckets.get(req.params.bucket);
  return { headers: preflight(bucket.cors, req.headers) };
};

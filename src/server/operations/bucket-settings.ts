// Get<Setting> and Delete<Setting> for the bucket settings BleepStore does not configure
// (bucket-settings.ts): S3's "nothing configured" answer, and 204 for a delete of nothing. The bucket
// owner's alone, like S3's.
import { S3Error } from "../../errors.ts";
import { emptySetting } from "../bucket-settings.ts";
import type { OperationHandler } from "../types.ts";

export const getBucketSetting: OperationHandler<"GetBucketSetting"> = async (req) => {
  const { bucket, setting } = req.params;
  await req.engine.buckets.owned(req.requester, bucket);
  const answer = emptySetting(setting, req.query.get("id"));
  if ("error" in answer) throw new S3Error(answer.error, { detail: { BucketName: bucket } });
  return { xml: answer.xml };
};

export const deleteBucketSetting: OperationHandler<"DeleteBucketSetting"> = async (req) => {
  await req.engine.buckets.owned(req.requester, req.params.bucket);
  return { status: 204 };
};

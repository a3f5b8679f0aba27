// A bucket's settings, each a form of its own read from the bucket and saved with S3's own calls: tags,
// default encryption, access logging, Object Lock defaults (settings.ts); policy, CORS, notifications
// and lifecycle rules (settings-docs.ts, lifecycle.ts).
import { all, tagText, xmlBody } from "./api.ts";
import { byId, say } from "./dom.ts";
import { lifecycleForm } from "./lifecycle.ts";
import { documentForms } from "./settings-docs.ts";
import { field, getConfig, input, putConfig, select, settingsForm, textarea } from "./settings-form.ts";

async function tagsForm(bucket: string): Promise<HTMLFormElement> {
  const doc = await getConfig(bucket, "tagging");
  const lines = doc ? all(doc, "Tag").map((t) => `${tagText(t, "Key")}=${tagText(t, "Value")}`).join("\n") : "";
  const box = textarea(lines, 4);
  return settingsForm("Tags", [field("Tags (one key=value a line)", box)], async () => {
    const tags = box.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const at = l.indexOf("=");
      return at < 0 ? { Key: l, Value: "" } : { Key: l.slice(0, at).trim(), Value: l.slice(at + 1).trim() };
    });
    return tags.length === 0 ? putConfig(bucket, "tagging", null) : putConfig(bucket, "tagging", xmlBody("Tagging", { TagSet: { Tag: tags } }));
  }, () => putConfig(bucket, "tagging", null));
}

async function encryptionForm(bucket: string): Promise<HTMLFormElement> {
  const doc = await getConfig(bucket, "encryption");
  const algorithm = doc ? tagText(doc, "SSEAlgorithm") : "";
  const kind = select([["", "none"], ["AES256", "SSE-S3 (AES256)"], ["aws:kms", "SSE-KMS"]], algorithm);
  const keyId = input(doc ? tagText(doc, "KMSMasterKeyID") : "");
  const bucketKey = input("", "checkbox");
  bucketKey.checked = doc ? tagText(doc, "BucketKeyEnabled") === "true" : false;
  return settingsForm("Default encryption", [field("Encryption of new objects", kind), field("KMS key (id, ARN or alias; empty: aws/s3)", keyId), field("Bucket key", bucketKey)], () => {
    if (!kind.value) return putConfig(bucket, "encryption", null);
    const byDefault = { SSEAlgorithm: kind.value, ...(kind.value === "aws:kms" && keyId.value.trim() ? { KMSMasterKeyID: keyId.value.trim() } : {}) };
    return putConfig(bucket, "encryption", xmlBody("ServerSideEncryptionConfiguration", { Rule: { ApplyServerSideEncryptionByDefault: byDefault, BucketKeyEnabled: String(bucketKey.checked) } }));
  }, () => putConfig(bucket, "encryption", null));
}

async function loggingForm(bucket: string): Promise<HTMLFormElement> {
  const doc = await getConfig(bucket, "logging");
  const target = input(doc ? tagText(doc, "TargetBucket") : "");
  const prefix = input(doc ? tagText(doc, "TargetPrefix") : "");
  const off = () => putConfig(bucket, "logging", xmlBody("BucketLoggingStatus", {}));
  return settingsForm("Access logging", [field("Log to bucket", target), field("Log object prefix", prefix)], () =>
    target.value.trim()
      ? putConfig(bucket, "logging", xmlBody("BucketLoggingStatus", { LoggingEnabled: { TargetBucket: target.value.trim(), TargetPrefix: prefix.value } }))
      : off(), off);
}

async function lockForm(bucket: string): Promise<HTMLFormElement | null> {
  const doc = await getConfig(bucket, "object-lock");
  if (!doc || tagText(doc, "ObjectLockEnabled") !== "Enabled") return null;
  const mode = select([["", "no default retention"], ["GOVERNANCE", "GOVERNANCE"], ["COMPLIANCE", "COMPLIANCE"]], tagText(doc, "Mode"));
  const days = input(tagText(doc, "Days") || (tagText(doc, "Years") ? String(Number(tagText(doc, "Years")) * 365) : ""), "number");
  return settingsForm("Object Lock defaults", [field("Default retention mode", mode), field("Retention days", days)], () =>
    putConfig(bucket, "object-lock", xmlBody("ObjectLockConfiguration", {
      ObjectLockEnabled: "Enabled", ...(mode.value ? { Rule: { DefaultRetention: { Mode: mode.value, Days: Number(days.value) } } } : {}),
    })));
}

export async function showSettings(bucket: string): Promise<void> {
  const body = byId("settings-body");
  body.replaceChildren();
  byId("settings-bucket").textContent = bucket;
  byId("settings").hidden = false;
  try {
    const forms = await Promise.all([tagsForm(bucket), encryptionForm(bucket), loggingForm(bucket), lockForm(bucket), lifecycleForm(bucket), ...documentForms(bucket)]);
    body.append(...forms.filter((f): f is HTMLFormElement => f !== null));
  } catch (err) {
    say("objects-error", `Reading the bucket's settings failed: ${(err as Error).message}`);
  }
}

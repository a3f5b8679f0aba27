// The settings edited as documents: the bucket policy as JSON (the server's validation message shown
// when refused), CORS and notifications as S3's XML.
import { field, getConfig, getText, putConfig, settingsForm, textarea } from "./settings-form.ts";

const pretty = (text: string) => {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};
const serialize = (doc: Document | null) => (doc ? new XMLSerializer().serializeToString(doc) : "");

async function policyForm(bucket: string): Promise<HTMLFormElement> {
  const box = textarea(pretty(await getText(bucket, "policy")), 12);
  return settingsForm("Bucket policy", [field("Bucket policy JSON", box)], () => putConfig(bucket, "policy", box.value, "application/json"), () => putConfig(bucket, "policy", null));
}

async function xmlForm(bucket: string, title: string, sub: string, label: string, empty: string | null): Promise<HTMLFormElement> {
  const box = textarea(serialize(await getConfig(bucket, sub)), 8);
  return settingsForm(title, [field(label, box)], () => putConfig(bucket, sub, box.value.trim() || (empty ?? "")), () => putConfig(bucket, sub, empty));
}

export function documentForms(bucket: string): Array<Promise<HTMLFormElement>> {
  return [
    policyForm(bucket),
    xmlForm(bucket, "CORS", "cors", "CORS configuration (S3's XML)", null),
    xmlForm(bucket, "Notifications", "notification", "Notification configuration (S3's XML; targets by ARN)", "<NotificationConfiguration/>"),
  ];
}

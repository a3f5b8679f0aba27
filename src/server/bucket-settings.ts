// Bucket settings S3 has and BleepStore does not configure: what each answers when read (S3's own
// "nothing configured" answer, never 501), deleted (204: there is nothing to delete) or written (501
// NotImplemented naming it: a setting that would not be applied is refused, never acknowledged). One
// table: the resolver routes by it and e2e/bucket-settings.test.ts walks it.
import type { S3ErrorCode } from "../errors.ts";
import type { XmlNode } from "./xml.ts";

export interface BucketSetting {
  /** The query subresource that names it. */
  query: string;
  /** The AWS operation names' stem: Get<stem>, Put<stem>, Delete<stem>. */
  stem: string;
  /** GET when nothing is configured: S3's error, or its empty document. */
  empty: { error: S3ErrorCode } | { xml: { root: string; body: XmlNode } };
  /** A configuration with ids (analytics, metrics, ...): without ?id= a GET lists them, with one it reads one. */
  listed?: { listRoot: string };
}

export const BUCKET_SETTINGS: readonly BucketSetting[] = [
  { query: "website", stem: "BucketWebsite", empty: { error: "NoSuchWebsiteConfiguration" } },
  { query: "replication", stem: "BucketReplication", empty: { error: "ReplicationConfigurationNotFoundError" } },
  { query: "requestPayment", stem: "BucketRequestPayment", empty: { xml: { root: "RequestPaymentConfiguration", body: { Payer: "BucketOwner" } } } },
  { query: "accelerate", stem: "BucketAccelerateConfiguration", empty: { xml: { root: "AccelerateConfiguration", body: {} } } },
  {
    query: "analytics", stem: "BucketAnalyticsConfiguration", empty: { error: "NoSuchConfiguration" },
    listed: { listRoot: "ListBucketAnalyticsConfigurationResult" },
  },
  { query: "metrics", stem: "BucketMetricsConfiguration", empty: { error: "NoSuchConfiguration" }, listed: { listRoot: "ListMetricsConfigurationsResult" } },
  {
    query: "inventory", stem: "BucketInventoryConfiguration", empty: { error: "NoSuchConfiguration" },
    listed: { listRoot: "ListInventoryConfigurationsResult" },
  },
  {
    query: "intelligent-tiering", stem: "BucketIntelligentTieringConfiguration", empty: { error: "NoSuchConfiguration" },
    listed: { listRoot: "ListBucketIntelligentTieringConfigurationsResult" },
  },
];

/** The setting a bucket request names, if any (checked only for requests that carry a query). */
export function bucketSetting(query: URLSearchParams): BucketSetting | undefined {
  for (const setting of BUCKET_SETTINGS) if (query.has(setting.query)) return setting;
  return undefined;
}

/** What a GET of a setting with nothing configured answers. */
export function emptySetting(setting: BucketSetting, id: string | null): { error: S3ErrorCode } | { xml: { root: string; body: XmlNode } } {
  if (setting.listed && id === null) return { xml: { root: setting.listed.listRoot, body: { IsTruncated: false } } };
  return setting.empty;
}

// Real clients pointed at a test server: the AWS SDK v3 with default settings, and Bun's S3Client.
import { S3Client } from "@aws-sdk/client-s3";
import { ACCESS_KEY, SECRET_KEY } from "./server.ts";

export function awsClient(endpoint: string, credentials = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }): S3Client {
  return new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials, maxAttempts: 1 });
}

export function bunClient(endpoint: string, bucket: string): Bun.S3Client {
  return new Bun.S3Client({ endpoint, bucket, accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, region: "us-east-1" });
}

/** A unique, valid bucket name for one test. */
export function bucketName(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`.toLowerCase();
}

/** The S3 error code a rejected SDK call carries (or "no error"). */
export async function s3ErrorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "no error";
  } catch (err) {
    const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return e.Code ?? e.name ?? String(err);
  }
}

export async function s3Status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  }
}

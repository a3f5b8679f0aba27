// The public access block's four flags and object ownership controls, as AWS documents them, through
// the AWS SDK and requests without credentials.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, DeleteBucketOwnershipControlsCommand, DeletePublicAccessBlockCommand, GetBucketOwnershipControlsCommand, GetObjectAclCommand,
  GetPublicAccessBlockCommand, PutBucketAclCommand, PutBucketOwnershipControlsCommand, PutBucketPolicyCommand, PutObjectCommand, PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { serverWithWorkDir } from "./helpers/fixture.ts";

setDefaultTimeout(60_000);
const TOKEN = "access-settings-token";
const fx = serverWithWorkDir("access", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });
const pab = (s3: S3Client, Bucket: string, flags: Partial<Record<"BlockPublicAcls" | "IgnorePublicAcls" | "BlockPublicPolicy" | "RestrictPublicBuckets", boolean>>) =>
  s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: flags }));
const publicRead = (bucket: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] });

async function fresh(label: string): Promise<string> {
  const bucket = bucketName(label);
  await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function otherKey(accessKey: string, secret: string): Promise<S3Client> {
  await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials`, {
    method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ accessKey, secretKey: secret }),
  });
  return awsClient(fx.server.endpoint, { accessKeyId: accessKey, secretAccessKey: secret });
}

describe("public access block", () => {
  test("Put, Get, Delete; none: NoSuchPublicAccessBlockConfiguration", async () => {
    const bucket = await fresh("pab");
    expect(await s3ErrorCode(fx.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))).toBe("NoSuchPublicAccessBlockConfiguration");
    await pab(fx.s3, bucket, { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false });
    expect((await fx.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false,
    });
    await fx.s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    expect(await s3ErrorCode(fx.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))).toBe("NoSuchPublicAccessBlockConfiguration");
  });

  test("BlockPublicAcls refuses public ACLs (nothing written); private ones pass", async () => {
    const bucket = await fresh("bpa");
    await pab(fx.s3, bucket, { BlockPublicAcls: true });
    expect(await s3ErrorCode(fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "p", Body: "x", ACL: "public-read" })))).toBe("AccessDenied");
    expect((await fetch(`${fx.server.endpoint}/${bucket}/p`)).status).toBe(403);
    expect(await s3ErrorCode(fx.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })))).toBe("AccessDenied");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "q", Body: "x", ACL: "private" }));
  });

  test("IgnorePublicAcls: public grants already there count for nothing; lifting it opens them again", async () => {
    const bucket = await fresh("ipa");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "o", Body: "open", ACL: "public-read" }));
    const url = `${fx.server.endpoint}/${bucket}/o`;
    expect((await fetch(url)).status).toBe(200);
    await pab(fx.s3, bucket, { IgnorePublicAcls: true });
    expect((await fetch(url)).status).toBe(403);
    await fx.s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    expect((await fetch(url)).status).toBe(200);
  });

  test("BlockPublicPolicy refuses a public policy; RestrictPublicBuckets confines one to the owner", async () => {
    const bucket = await fresh("bpp");
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "o", Body: "x" }));
    await pab(fx.s3, bucket, { BlockPublicPolicy: true });
    expect(await s3ErrorCode(fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) })))).toBe("AccessDenied");
    await pab(fx.s3, bucket, {});
    await fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicRead(bucket) }));
    const url = `${fx.server.endpoint}/${bucket}/o`;
    expect((await fetch(url)).status).toBe(200);
    await pab(fx.s3, bucket, { RestrictPublicBuckets: true });
    expect((await fetch(url)).status).toBe(403);
  });
});

describe("object ownership", () => {
  test("BucketOwnerEnforced: ACLs off (AccessControlListNotSupported), new objects the bucket owner's", async () => {
    const bucket = await fresh("boe");
    expect(await s3ErrorCode(fx.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })))).toBe("OwnershipControlsNotFoundError");
    await fx.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] } }));
    expect((await fx.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }))).OwnershipControls?.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
    expect(await s3ErrorCode(fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "a", Body: "x", ACL: "public-read" })))).toBe("AccessControlListNotSupported");
    expect(await s3ErrorCode(fx.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" })))).toBe("AccessControlListNotSupported");
    // Another key allowed to write by the bucket policy: what it writes is the bucket owner's.
    const other = await otherKey("OWNERTEST1", "owner-test-secret");
    await fx.s3.send(new PutBucketPolicyCommand({
      Bucket: bucket, Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "OWNERTEST1" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/*` }] }),
    }));
    await other.send(new PutObjectCommand({ Bucket: bucket, Key: "from-other", Body: "x" }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "from-owner", Body: "x" }));
    const bucketOwner = (await fx.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "from-owner" }))).Owner?.ID;
    const written = await fx.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "from-other" }));
    expect(written.Owner?.ID).toBe(bucketOwner!);
    expect(written.Grants?.map((g) => [g.Grantee?.ID, g.Permission])).toEqual([[bucketOwner, "FULL_CONTROL"]]);
    await fx.s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: bucket }));
    expect(await s3ErrorCode(fx.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket })))).toBe("OwnershipControlsNotFoundError");
  });

  test("BucketOwnerPreferred: an object given bucket-owner-full-control becomes the bucket owner's", async () => {
    const bucket = await fresh("bop");
    await fx.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: bucket, OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] } }));
    await fx.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read-write" }));
    const other = await otherKey("PREFTEST01", "pref-test-secret");
    await other.send(new PutObjectCommand({ Bucket: bucket, Key: "given", Body: "x", ACL: "bucket-owner-full-control" }));
    await other.send(new PutObjectCommand({ Bucket: bucket, Key: "kept", Body: "x" }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "own", Body: "x" }));
    const bucketOwner = (await fx.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "own" }))).Owner?.ID;
    const given = await fx.s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "given" }));
    const kept = await other.send(new GetObjectAclCommand({ Bucket: bucket, Key: "kept" }));
    expect(given.Owner?.ID).toBe(bucketOwner!);
    expect(kept.Owner?.ID).not.toBe(bucketOwner);
  });
});

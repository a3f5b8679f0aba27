// Bucket and object ACLs through the AWS SDK: canned ACLs, grant headers, policy bodies, mixed modes,
// and what anonymous requests may then do.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  CreateBucketCommand, GetBucketAclCommand, GetObjectAclCommand, PutBucketAclCommand, PutObjectAclCommand, PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { awsClient, bucketName, s3ErrorCode } from "./helpers/clients.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { signedFetch } from "./helpers/sign.ts";

// Real servers and real clients: slower than unit tests, above all on a loaded 2-core machine.
setDefaultTimeout(60_000);

const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
let server: TestServer;
let s3: S3Client;
let ownerId = "";
const bucket = bucketName("acl");

beforeAll(async () => {
  server = await startServer();
  s3 = awsClient(server.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  ownerId = (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Owner!.ID!;
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const grants = (res: { Grants?: Array<{ Grantee?: { Type?: string; ID?: string; URI?: string }; Permission?: string }> }) =>
  (res.Grants ?? []).map((g) => `${g.Grantee?.Type}:${g.Grantee?.ID ?? g.Grantee?.URI}:${g.Permission}`).sort();

// The grants each canned ACL stands for, as S3's ACL overview lists them (the owner's FULL_CONTROL
// first; bucket-owner-* name the bucket owner, who here is the object's owner too).
const AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";
const CANNED: Array<[string, string[]]> = [
  ["private", []],
  ["public-read", [`Group:${ALL_USERS}:READ`]],
  ["public-read-write", [`Group:${ALL_USERS}:READ`, `Group:${ALL_USERS}:WRITE`]],
  ["authenticated-read", [`Group:${AUTH_USERS}:READ`]],
  ["bucket-owner-read", []],
  ["bucket-owner-full-control", []],
  ["log-delivery-write", [`Group:${LOG_DELIVERY}:READ_ACP`, `Group:${LOG_DELIVERY}:WRITE`]],
];

describe("canned ACLs expand to S3's grants", () => {
  test.each(CANNED.filter(([name]) => !name.startsWith("bucket-owner")))("bucket: %s", async (name, extra) => {
    const b = bucketName("canned");
    await s3.send(new CreateBucketCommand({ Bucket: b, ACL: name as "private" }));
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: b }));
    expect(grants(acl)).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`, ...extra].sort());
    expect(acl.Grants!.find((g) => g.Grantee?.Type === "CanonicalUser")!.Grantee!.DisplayName).toBe("bleepstore");
  });

  test.each(CANNED.filter(([name]) => name !== "log-delivery-write"))("object: %s", async (name, extra) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `canned-${name}`, Body: "c", ACL: name as "private" }));
    expect(grants(await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: `canned-${name}` })))).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`, ...extra].sort());
  });

  test("a grant to a canonical user by id carries that user's DisplayName", async () => {
    const b = bucketName("byid");
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id="${ownerId}"`, GrantWriteACP: `uri="${ALL_USERS}"` }));
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: b }));
    const read = acl.Grants!.find((g) => g.Permission === "READ")!;
    expect(read.Grantee).toMatchObject({ Type: "CanonicalUser", ID: ownerId, DisplayName: "bleepstore" });
  });
});

describe("GetBucketAcl / PutBucketAcl", () => {
  test("a new bucket is private: the owner has FULL_CONTROL", async () => {
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(acl.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect(acl.Owner?.DisplayName).toBe("bleepstore");
    expect(grants(acl)).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`]);
  });

  test("a canned ACL at create time", async () => {
    const name = bucketName("pub");
    await s3.send(new CreateBucketCommand({ Bucket: name, ACL: "public-read" }));
    expect(grants(await s3.send(new GetBucketAclCommand({ Bucket: name })))).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`, `Group:${ALL_USERS}:READ`]);
  });

  test("grant headers at create time", async () => {
    const name = bucketName("grants");
    await s3.send(new CreateBucketCommand({ Bucket: name, GrantRead: `uri="${ALL_USERS}"`, GrantFullControl: `id="${ownerId}"` }));
    expect(grants(await s3.send(new GetBucketAclCommand({ Bucket: name })))).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`, `Group:${ALL_USERS}:READ`]);
  });

  test("a canned ACL replaces the grants", async () => {
    const name = bucketName("canned");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketAclCommand({ Bucket: name, ACL: "authenticated-read" }));
    expect(grants(await s3.send(new GetBucketAclCommand({ Bucket: name })))).toContain(
      "Group:http://acs.amazonaws.com/groups/global/AuthenticatedUsers:READ",
    );
  });

  test("an AccessControlPolicy body replaces the grants", async () => {
    const name = bucketName("policy");
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketAclCommand({
      Bucket: name,
      AccessControlPolicy: {
        Owner: { ID: ownerId },
        Grants: [
          { Grantee: { Type: "CanonicalUser", ID: ownerId }, Permission: "FULL_CONTROL" },
          { Grantee: { Type: "Group", URI: ALL_USERS }, Permission: "WRITE" },
        ],
      },
    }));
    expect(grants(await s3.send(new GetBucketAclCommand({ Bucket: name })))).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`, `Group:${ALL_USERS}:WRITE`]);
  });

  test("canned ACL and grant headers together are refused", async () => {
    const code = await s3ErrorCode(s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "private", GrantRead: `uri="${ALL_USERS}"` })));
    expect(code).toBe("InvalidRequest");
  });

  test("a header and a body together are refused", async () => {
    const xml = `<AccessControlPolicy><Owner><ID>${ownerId}</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>`;
    const res = await signedFetch(`${server.endpoint}/${bucket}?acl`, { method: "PUT", body: xml, headers: { "x-amz-acl": "private" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidRequest</Code>");
  });

  test("an unknown canned ACL, an unknown user id and a broken policy are refused", async () => {
    expect(await s3ErrorCode(s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "everyone" as "private" })))).toBe("InvalidArgument");
    expect(await s3ErrorCode(s3.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'id="0000"' })))).toBe("InvalidArgument");
    expect(await s3ErrorCode(s3.send(new PutBucketAclCommand({ Bucket: bucket, GrantRead: 'emailAddress="a@b.c"' })))).toBe("UnresolvableGrantByEmailAddress");
    const res = await signedFetch(`${server.endpoint}/${bucket}?acl`, { method: "PUT", body: "<AccessControlPolicy><broken>" });
    expect(await res.text()).toContain("<Code>MalformedACLError</Code>");
    expect(grants(await s3.send(new GetBucketAclCommand({ Bucket: bucket })))).toEqual([`CanonicalUser:${ownerId}:FULL_CONTROL`]);
  });

  test("a PutBucketAcl with neither headers nor body is MissingSecurityHeader", async () => {
    const res = await signedFetch(`${server.endpoint}/${bucket}?acl`, { method: "PUT" });
    expect(await res.text()).toContain("<Code>MissingSecurityHeader</Code>");
  });
});

describe("GetObjectAcl / PutObjectAcl and anonymous access", () => {
  test("a canned ACL on PutObject makes the object readable without credentials", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "open.txt", Body: "open", ACL: "public-read" }));
    expect(grants(await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "open.txt" })))).toContain(`Group:${ALL_USERS}:READ`);
    const res = await fetch(`${server.endpoint}/${bucket}/open.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("open");
  });

  test("PutObjectAcl private takes public access away again", async () => {
    await s3.send(new PutObjectAclCommand({ Bucket: bucket, Key: "open.txt", ACL: "private" }));
    expect((await fetch(`${server.endpoint}/${bucket}/open.txt`)).status).toBe(403);
  });

  test("a public-read-write bucket accepts anonymous writes; a public-read one lists anonymously but refuses writes", async () => {
    const rw = bucketName("rw");
    await s3.send(new CreateBucketCommand({ Bucket: rw, ACL: "public-read-write" }));
    const put = await fetch(`${server.endpoint}/${rw}/anon.txt`, { method: "PUT", body: "from nobody" });
    expect(put.status).toBe(200);
    const ro = bucketName("ro");
    await s3.send(new CreateBucketCommand({ Bucket: ro, ACL: "public-read" }));
    expect((await fetch(`${server.endpoint}/${ro}?list-type=2`)).status).toBe(200);
    expect((await fetch(`${server.endpoint}/${ro}/x`, { method: "PUT", body: "no" })).status).toBe(403);
  });

  test("on a missing key it is NoSuchKey", async () => {
    expect(await s3ErrorCode(s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: "nope" })))).toBe("NoSuchKey");
  });
});

// The access decision as a matrix: 4 requesters (the bucket owner, another key, anonymous, a key limited
// by the built-in readonly policy) × 3 requests (GetObject, PutObject, ListBucket) × 7 buckets set up
// with ACLs, bucket policies and public access blocks = 84 cases, each expected from AWS's documented
// rules (an explicit Deny anywhere wins; a limited key needs an Allow from its policy or the bucket's;
// otherwise the owner, a bucket policy Allow — unless RestrictPublicBuckets confines a public policy —
// or an ACL grant — unless IgnorePublicAcls discounts a public one — allows), and sent over HTTP.
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { CreateBucketCommand, PutBucketAclCommand, PutBucketPolicyCommand, PutObjectCommand, PutPublicAccessBlockCommand } from "@aws-sdk/client-s3";
import { bucketName } from "./helpers/clients.ts";
import { serverWithWorkDir } from "./helpers/fixture.ts";
import { signedFetch } from "./helpers/sign.ts";

setDefaultTimeout(120_000);
const TOKEN = "matrix-token";
const fx = serverWithWorkDir("matrix", { env: { BLEEPSTORE_ADMIN_TOKEN: TOKEN } });

type Who = "owner" | "other" | "anonymous" | "readonly";
type Op = "GetObject" | "PutObject" | "ListBucket";
type Decision = "Allow" | "Deny" | undefined;

interface Setup {
  name: string;
  publicAcl?: boolean;
  /** The bucket policy's statements (with the bucket's ARN filled in), and what it says to whom. */
  statements?: (arn: string) => unknown[];
  says?: (who: Who, op: Op) => Decision;
  /** A public policy (an Allow to "*" without narrowing conditions). */
  publicPolicy?: boolean;
  pab?: { IgnorePublicAcls?: boolean; RestrictPublicBuckets?: boolean };
}

const SETUPS: Setup[] = [
  { name: "private" },
  { name: "public-read ACLs", publicAcl: true },
  {
    name: "a public-read policy", publicPolicy: true,
    statements: (arn) => [
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*` },
      { Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: arn },
    ],
    says: (_, op) => (op === "PutObject" ? undefined : "Allow"),
  },
  {
    name: "puts for the other key, no listing for anyone",
    statements: (arn) => [
      { Effect: "Allow", Principal: { AWS: "MATRIXOTHER" }, Action: "s3:PutObject", Resource: `${arn}/*` },
      { Effect: "Deny", Principal: "*", Action: "s3:ListBucket", Resource: arn },
    ],
    says: (who, op) => (op === "ListBucket" ? "Deny" : op === "PutObject" && who === "other" ? "Allow" : undefined),
  },
  {
    name: "a public-read policy under RestrictPublicBuckets", publicPolicy: true, pab: { RestrictPublicBuckets: true },
    statements: (arn) => [
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*` },
      { Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: arn },
    ],
    says: (_, op) => (op === "PutObject" ? undefined : "Allow"),
  },
  { name: "public-read ACLs under IgnorePublicAcls", publicAcl: true, pab: { IgnorePublicAcls: true } },
  {
    name: "reads from 10.0.0.0/8 only, and a Deny of everything to the readonly key",
    statements: (arn) => [
      { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${arn}/*`, Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } },
      { Effect: "Deny", Principal: { AWS: "MATRIXREAD" }, Action: "s3:*", Resource: [arn, `${arn}/*`] },
    ],
    says: (who) => (who === "readonly" ? "Deny" : undefined),
  },
];

/** AWS's rules for one account, written from its documentation (not from this server's code). */
function expected(setup: Setup, who: Who, op: Op): boolean {
  const fromBucket = setup.says?.(who, op);
  const fromKey = (who === "readonly" && (op === "GetObject" || op === "ListBucket") ? "Allow" : undefined) as Decision;
  if (fromBucket === "Deny" || fromKey === "Deny") return false;
  const confined = setup.pab?.RestrictPublicBuckets === true && setup.publicPolicy === true && who !== "owner";
  const bucketAllows = fromBucket === "Allow" && !confined;
  if (who === "readonly") return bucketAllows || fromKey === "Allow";
  if (who === "owner") return true;
  if (bucketAllows) return true;
  const aclOpen = setup.publicAcl === true && setup.pab?.IgnorePublicAcls !== true;
  return aclOpen && op !== "PutObject";
}

const buckets = new Map<string, string>();
const keys: Record<Exclude<Who, "owner" | "anonymous">, { accessKey: string; secretKey: string }> = {
  other: { accessKey: "MATRIXOTHER", secretKey: "matrix-other-secret" },
  readonly: { accessKey: "MATRIXREAD", secretKey: "matrix-read-secret" },
};

beforeAll(async () => {
  for (const [who, k] of Object.entries(keys)) {
    await fetch(`${fx.server.endpoint}/_bleepstore/admin/credentials`, {
      method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ ...k, ...(who === "readonly" ? { policy: "readonly" } : {}) }),
    });
  }
  for (const setup of SETUPS) {
    const bucket = bucketName("mx");
    buckets.set(setup.name, bucket);
    await fx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await fx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "o", Body: "x", ...(setup.publicAcl ? { ACL: "public-read" } : {}) }));
    if (setup.publicAcl) await fx.s3.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "public-read" }));
    if (setup.statements) {
      await fx.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: "2012-10-17", Statement: setup.statements(`arn:aws:s3:::${bucket}`) }) }));
    }
    if (setup.pab) await fx.s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: setup.pab }));
  }
});

async function send(who: Who, op: Op, bucket: string): Promise<number> {
  const url = op === "ListBucket" ? `${fx.server.endpoint}/${bucket}?list-type=2` : `${fx.server.endpoint}/${bucket}/${op === "PutObject" ? "new" : "o"}`;
  const method = op === "PutObject" ? "PUT" : "GET";
  const body = op === "PutObject" ? "y" : undefined;
  if (who === "anonymous") return (await fetch(url, { method, ...(body ? { body } : {}) })).status;
  const as = who === "owner" ? {} : { accessKey: keys[who].accessKey, secretKey: keys[who].secretKey };
  return (await signedFetch(url, { method, ...(body ? { body } : {}), ...as })).status;
}

describe("the access decision, 84 cases", () => {
  for (const setup of SETUPS) {
    for (const who of ["owner", "other", "anonymous", "readonly"] as Who[]) {
      for (const op of ["GetObject", "PutObject", "ListBucket"] as Op[]) {
        const allow = expected(setup, who, op);
        test(`${setup.name}: ${who} ${op} → ${allow ? "allowed" : "AccessDenied"}`, async () => {
          const status = await send(who, op, buckets.get(setup.name)!);
          expect(status).toBe(allow ? 200 : 403);
        });
      }
    }
  }
});

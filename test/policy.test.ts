// The policy language, case by case, as AWS documents it: which statement decides (an explicit Deny
// over any Allow, else an Allow, else nothing), principals, NotAction/NotResource/NotPrincipal,
// wildcards, policy variables, and the condition operators over the keys the server fills in.
import { describe, expect, test } from "bun:test";
import { inCidr } from "../src/core/policy/conditions.ts";
import { parsePolicy } from "../src/core/policy/document.ts";
import { evaluate, isPublic, type PolicyRequest } from "../src/core/policy/evaluate.ts";

const B = "pics";
const doc = (...Statement: unknown[]) => parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement }), B);
const alice = ["aaaa", "AKALICE", "arn:aws:iam::aaaa:root"];
const req = (o: Partial<PolicyRequest> & { key?: string } = {}): PolicyRequest => ({
  principals: o.principals ?? alice, action: o.action ?? "s3:GetObject",
  resource: o.resource ?? (o.key === undefined ? `arn:aws:s3:::${B}/photo.jpg` : `arn:aws:s3:::${B}/${o.key}`),
  values: o.values ?? new Map<string, string | string[]>([["aws:sourceip", "127.0.0.1"], ["aws:username", "AKALICE"], ["aws:securetransport", "false"]]),
});
const allow = (extra: Record<string, unknown> = {}) => ({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${B}/*`, ...extra });
const deny = (extra: Record<string, unknown> = {}) => ({ ...allow(extra), Effect: "Deny", ...extra });

describe("policy evaluation", () => {
  const cases: Array<[string, ReturnType<typeof doc>, PolicyRequest, "Allow" | "Deny" | undefined]> = [
    ["Allow * matches anyone", doc(allow()), req(), "Allow"],
    ["Allow * matches anonymous", doc(allow()), req({ principals: [] }), "Allow"],
    ["another action: no decision", doc(allow()), req({ action: "s3:PutObject" }), undefined],
    ["explicit Deny wins over Allow", doc(allow(), deny()), req(), "Deny"],
    ["Deny on another prefix does not apply", doc(allow(), deny({ Resource: `arn:aws:s3:::${B}/private/*` })), req(), "Allow"],
    ["Deny on that prefix applies", doc(allow(), deny({ Resource: `arn:aws:s3:::${B}/private/*` })), req({ key: "private/x" }), "Deny"],
    ["principal by access key", doc(allow({ Principal: { AWS: "AKALICE" } })), req(), "Allow"],
    ["principal by root ARN", doc(allow({ Principal: { AWS: ["arn:aws:iam::aaaa:root"] } })), req(), "Allow"],
    ["another principal: nothing", doc(allow({ Principal: { AWS: "AKBOB" } })), req(), undefined],
    ["a named principal never matches anonymous", doc(allow({ Principal: { AWS: "AKALICE" } })), req({ principals: [] }), undefined],
    ["NotPrincipal: everyone else", doc(deny({ Principal: undefined, NotPrincipal: { AWS: "AKALICE" } })), req({ principals: ["bbbb", "AKBOB"] }), "Deny"],
    ["NotPrincipal: not the one named", doc(deny({ Principal: undefined, NotPrincipal: { AWS: "AKALICE" } })), req(), undefined],
    ["action wildcard s3:Get*", doc(allow({ Action: "s3:Get*" })), req({ action: "s3:GetObjectTagging" }), "Allow"],
    ["action names are case-insensitive", doc(allow({ Action: "S3:getobject" })), req(), "Allow"],
    ["NotAction: every other action", doc(deny({ Action: undefined, NotAction: "s3:GetObject" })), req({ action: "s3:PutObject" }), "Deny"],
    ["NotAction: not the one named", doc(deny({ Action: undefined, NotAction: "s3:GetObject" })), req(), undefined],
    ["NotResource: the rest of the bucket", doc(deny({ Resource: undefined, NotResource: `arn:aws:s3:::${B}/public/*` })), req(), "Deny"],
    ["NotResource: not the one named", doc(deny({ Resource: undefined, NotResource: `arn:aws:s3:::${B}/public/*` })), req({ key: "public/a" }), undefined],
    ["? matches one character", doc(allow({ Resource: `arn:aws:s3:::${B}/photo.???` })), req(), "Allow"],
    ["${aws:username} in a resource", doc(allow({ Resource: `arn:aws:s3:::${B}/home/\${aws:username}/*` })), req({ key: "home/AKALICE/a" }), "Allow"],
    ["${aws:username} is not someone else's", doc(allow({ Resource: `arn:aws:s3:::${B}/home/\${aws:username}/*` })), req({ key: "home/AKBOB/a" }), undefined],
    ["IpAddress in range", doc(allow({ Condition: { IpAddress: { "aws:SourceIp": "127.0.0.0/8" } } })), req(), "Allow"],
    ["IpAddress out of range", doc(allow({ Condition: { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"] } } })), req(), undefined],
    ["NotIpAddress", doc(deny({ Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })), req(), "Deny"],
    ["Bool SecureTransport false", doc(deny({ Condition: { Bool: { "aws:SecureTransport": "false" } } })), req(), "Deny"],
    ["StringLike on a missing key: no match", doc(allow({ Condition: { StringLike: { "s3:prefix": "home/*" } } })), req(), undefined],
    ["StringLikeIfExists on a missing key: match", doc(allow({ Condition: { StringLikeIfExists: { "s3:prefix": "home/*" } } })), req(), "Allow"],
    ["Null true: the key is absent", doc(deny({ Condition: { Null: { "s3:x-amz-server-side-encryption": "true" } } })), req({ action: "s3:GetObject" }), "Deny"],
    ["StringNotEquals: none of the values", doc(deny({ Condition: { StringNotEquals: { "aws:username": ["AKBOB", "AKCAROL"] } } })), req(), "Deny"],
    ["StringEquals on one of the values", doc(allow({ Condition: { StringEquals: { "aws:username": ["AKBOB", "AKALICE"] } } })), req(), "Allow"],
    ["condition keys are case-insensitive", doc(allow({ Condition: { StringEquals: { "AWS:UserName": "AKALICE" } } })), req(), "Allow"],
    ["NumericLessThanEquals on s3:max-keys", doc(allow({ Action: "s3:ListBucket", Resource: `arn:aws:s3:::${B}`, Condition: { NumericLessThanEquals: { "s3:max-keys": "10" } } })),
      req({ action: "s3:ListBucket", resource: `arn:aws:s3:::${B}`, values: new Map([["s3:max-keys", "5"]]) }), "Allow"],
    ["DateLessThan in the past: no match", doc(allow({ Condition: { DateLessThan: { "aws:CurrentTime": "2001-01-01T00:00:00Z" } } })),
      req({ values: new Map([["aws:currenttime", new Date().toISOString()]]) }), undefined],
    ["ForAnyValue over tag keys", doc(deny({ Condition: { "ForAnyValue:StringEquals": { "s3:RequestObjectTagKeys": ["secret"] } } })),
      req({ values: new Map([["s3:requestobjecttagkeys", ["a", "secret"]]]) }), "Deny"],
    ["ForAllValues over tag keys", doc(allow({ Condition: { "ForAllValues:StringEquals": { "s3:RequestObjectTagKeys": ["a", "b"] } } })),
      req({ values: new Map([["s3:requestobjecttagkeys", ["a", "c"]]]) }), undefined],
    ["two operators must both hold", doc(allow({ Condition: { IpAddress: { "aws:SourceIp": "127.0.0.1/32" }, StringEquals: { "aws:username": "AKBOB" } } })), req(), undefined],
  ];
  for (const [name, policy, request, expected] of cases) test(name, () => expect(evaluate(policy, request)).toBe(expected));

  test("CIDR over IPv4, IPv4-mapped IPv6 and IPv6", () => {
    expect(inCidr("127.0.0.1", "127.0.0.0/8")).toBe(true);
    expect(inCidr("::ffff:127.0.0.1", "127.0.0.0/8")).toBe(true);
    expect(inCidr("::1", "::1/128")).toBe(true);
    expect(inCidr("2001:db8::5", "2001:db8::/32")).toBe(true);
    expect(inCidr("2001:db9::5", "2001:db8::/32")).toBe(false);
  });

  test("public: an Allow to * without narrowing conditions", () => {
    expect(isPublic(doc(allow()))).toBe(true);
    expect(isPublic(doc(allow({ Principal: { AWS: "AKALICE" } })))).toBe(false);
    expect(isPublic(doc(allow({ Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } })))).toBe(false);
  });
});

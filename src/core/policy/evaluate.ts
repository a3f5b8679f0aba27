// Evaluating a bucket policy for one request, as AWS does within one account: a matching Deny wins,
// else a matching Allow allows, else the policy says nothing (ACLs decide). A statement matches when
// its principal, action, resource and every condition do.
import { conditionsHold, substitute, type ConditionValues } from "./conditions.ts";
import type { Policy, Statement } from "./document.ts";
import { wildcard } from "./wildcard.ts";

export interface PolicyRequest {
  /** The requester's names a Principal may use (canonical id, access key, ARNs); empty for anonymous. */
  principals: string[];
  /** s3:GetObject, s3:ListBucket, ... */
  action: string;
  /** arn:aws:s3:::bucket or arn:aws:s3:::bucket/key */
  resource: string;
  values: ConditionValues;
  /** Decide for every resource at once (DeleteObjects, whose keys are in its body): only a Deny counts. */
  anyResource?: boolean;
}

export type Decision = "Allow" | "Deny" | undefined;

function principalMatches(p: Statement["principal"], principals: string[]): boolean {
  if (!p) return false;
  const named = p.any || p.aws.some((id) => principals.includes(id));
  return p.not ? !named : named;
}

function statementMatches(s: Statement, r: PolicyRequest): boolean {
  if (!principalMatches(s.principal, r.principals)) return false;
  const action = s.action.patterns.some((re) => re.test(r.action));
  if (action === s.action.not) return false;
  if (!r.anyResource) {
    const resource = s.resource.patterns.some((p) => (p.re ?? wildcard(substitute(p.text, r.values))).test(r.resource));
    if (resource === s.resource.not) return false;
  }
  return conditionsHold(s.checks, r.values);
}

export function evaluate(policy: Policy | undefined, r: PolicyRequest): Decision {
  if (!policy) return undefined;
  let decision: Decision;
  for (const s of policy.statements) {
    if (!statementMatches(s, r)) continue;
    if (s.effect === "Deny") return "Deny";
    if (!r.anyResource) decision = "Allow";
  }
  return decision;
}

/** Whether a policy lets anyone at all (an Allow to "*" without a condition narrowing who): GetBucketPolicyStatus. */
export function isPublic(policy: Policy): boolean {
  return policy.statements.some((s) => s.effect === "Allow" && s.principal?.any === true && !s.principal.not
    && !Object.keys(s.condition).some((op) => /IpAddress|SourceVpc|SourceArn|SourceAccount|PrincipalOrgID/i.test(op + JSON.stringify(s.condition[op]))));
}

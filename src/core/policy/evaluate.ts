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
  let named = p.any;
  for (let i = 0; !named && i < p.aws.length; i++) named = principals.includes(p.aws[i]!);
  return p.not ? !named : named;
}

function anyMatches(patterns: RegExp[], text: string): boolean {
  for (const re of patterns) if (re.test(text)) return true;
  return false;
}

/**
 * The statements of `policy` whose principal and action match — fixed for one requester and one action,
 * so worked out once per policy, requester (its names' array, made once per requester) and action.
 */
const relevant = new WeakMap<Policy, WeakMap<string[], Map<string, Statement[]>>>();
function statementsFor(policy: Policy, r: PolicyRequest): Statement[] {
  let byRequester = relevant.get(policy);
  if (!byRequester) relevant.set(policy, (byRequester = new WeakMap()));
  let byAction = byRequester.get(r.principals);
  if (!byAction) byRequester.set(r.principals, (byAction = new Map()));
  let statements = byAction.get(r.action);
  if (!statements) {
    statements = policy.statements.filter((s) => principalMatches(s.principal, r.principals) && anyMatches(s.action.patterns, r.action) !== s.action.not);
    if (byAction.size < 256) byAction.set(r.action, statements);
  }
  return statements;
}

/** The rest of a statement's match, once its principal and action matched: the resource and the conditions. */
function statementMatches(s: Statement, r: PolicyRequest): boolean {
  if (!r.anyResource) {
    let resource = false;
    for (const p of s.resource.patterns) {
      if ((p.re ?? wildcard(substitute(p.text, r.values))).test(r.resource)) {
        resource = true;
        break;
      }
    }
    if (resource === s.resource.not) return false;
  }
  return s.checks.length === 0 || conditionsHold(s.checks, r.values);
}

export function evaluate(policy: Policy | undefined, r: PolicyRequest): Decision {
  if (!policy) return undefined;
  let decision: Decision;
  for (const s of statementsFor(policy, r)) {
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

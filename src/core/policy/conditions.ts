// Policy conditions: { operator: { key: value | [values] } }, every operator and every key must hold
// (values of one key: any of them). Operators as AWS documents them: String*, Numeric*, Date*, Bool,
// IpAddress/NotIpAddress, Null, Arn*, with ...IfExists (a missing key holds) and the set qualifiers
// ForAnyValue:/ForAllValues: for multi-valued keys. Keys are case-insensitive; values are the
// request's (authorize.ts gathers them).
import { wildcard } from "./wildcard.ts";

export type ConditionBlock = Record<string, Record<string, unknown>>;
/** The request's condition keys by lower-cased name (a multi-valued key is an array); may be computed as asked. */
export interface ConditionValues {
  get(key: string): string | string[] | undefined;
}

export const CONDITION_OPERATORS = new Set([
  "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
  "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
  "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
  "Bool", "IpAddress", "NotIpAddress", "Null", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "BinaryEquals",
]);

function ipv4(text: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text.replace(/^::ffff:/, ""));
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function expandV6(text: string): bigint | undefined {
  if (!text.includes(":")) return undefined;
  const [head, tail] = text.split("::") as [string, string | undefined];
  const a = head ? head.split(":") : [];
  const b = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill("0"), ...b];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

interface Cidr { v4?: { net: number; mask: number }; v6?: { net: bigint; mask: bigint } }
/** Parsed once per CIDR text (a policy's conditions are met on every request). */
const cidrs = new Map<string, Cidr>();

function parseCidr(cidr: string): Cidr {
  let c = cidrs.get(cidr);
  if (c) return c;
  const [net, bitsText] = cidr.split("/") as [string, string | undefined];
  const n4 = ipv4(net);
  if (n4 !== undefined) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    c = { v4: { net: (n4 & mask) >>> 0, mask } };
  } else {
    const n6 = expandV6(net);
    const bits = BigInt(bitsText === undefined ? 128 : Number(bitsText));
    const mask = bits === 0n ? 0n : ((1n << 128n) - 1n) ^ ((1n << (128n - bits)) - 1n);
    c = n6 === undefined ? {} : { v6: { net: n6 & mask, mask } };
  }
  if (cidrs.size >= 10_000) cidrs.clear();
  cidrs.set(cidr, c);
  return c;
}

/** Request addresses as numbers: the same few clients come again and again. */
const addresses = new Map<string, number | undefined>();
function addressV4(address: string): number | undefined {
  if (addresses.has(address)) return addresses.get(address);
  const n = ipv4(address);
  if (addresses.size >= 10_000) addresses.clear();
  addresses.set(address, n);
  return n;
}

/** Whether `address` lies in `cidr` (IPv4 or IPv6; a bare address is a /32 or /128). */
export function inCidr(address: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  if (c.v4) {
    const a4 = addressV4(address);
    return a4 !== undefined && ((a4 & c.v4.mask) >>> 0) === c.v4.net;
  }
  if (!c.v6) return false;
  const a6 = expandV6(address);
  return a6 !== undefined && (a6 & c.v6.mask) === c.v6.net;
}

const date = (v: string) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));

/** One operator on one request value against one policy value. */
function test(op: string, actual: string, expected: string): boolean {
  switch (op) {
    case "StringEquals": case "ArnEquals": case "BinaryEquals": return actual === expected;
    case "StringNotEquals": case "ArnNotEquals": return actual !== expected;
    case "StringEqualsIgnoreCase": return actual.toLowerCase() === expected.toLowerCase();
    case "StringNotEqualsIgnoreCase": return actual.toLowerCase() !== expected.toLowerCase();
    case "StringLike": case "ArnLike": return wildcard(expected).test(actual);
    case "StringNotLike": case "ArnNotLike": return !wildcard(expected).test(actual);
    case "NumericEquals": return Number(actual) === Number(expected);
    case "NumericNotEquals": return Number(actual) !== Number(expected);
    case "NumericLessThan": return Number(actual) < Number(expected);
    case "NumericLessThanEquals": return Number(actual) <= Number(expected);
    case "NumericGreaterThan": return Number(actual) > Number(expected);
    case "NumericGreaterThanEquals": return Number(actual) >= Number(expected);
    case "DateEquals": return date(actual) === date(expected);
    case "DateNotEquals": return date(actual) !== date(expected);
    case "DateLessThan": return date(actual) < date(expected);
    case "DateLessThanEquals": return date(actual) <= date(expected);
    case "DateGreaterThan": return date(actual) > date(expected);
    case "DateGreaterThanEquals": return date(actual) >= date(expected);
    case "Bool": return actual.toLowerCase() === expected.toLowerCase();
    case "IpAddress": return inCidr(actual, expected);
    case "NotIpAddress": return !inCidr(actual, expected);
    default: return false;
  }
}

/** Negated operators hold for a value when it matches none of the policy's values. */
const NEGATED = new Set(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"]);

/** `${aws:username}` and the other policy variables, from the request's values. */
export function substitute(text: string, values: ConditionValues): string {
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === "*" || name === "?" || name === "$") return name;
    const v = values.get(name.toLowerCase());
    return typeof v === "string" ? v : whole;
  });
}

/** One operator on one key, worked out once when the policy is parsed (policies are met on every request). */
export interface ConditionCheck {
  op: string;
  qualifier: "ForAnyValue" | "ForAllValues" | undefined;
  ifExists: boolean;
  negated: boolean;
  /** The key, lower-cased. */
  key: string;
  /** The policy's values, or their text with policy variables when any has one (substituted per request). */
  expected: string[];
  variables: boolean;
}

export function compileConditions(block: ConditionBlock): ConditionCheck[] {
  const checks: ConditionCheck[] = [];
  for (const [fullOp, keys] of Object.entries(block)) {
    const qualifier = /^(ForAnyValue|ForAllValues):/.exec(fullOp)?.[1] as ConditionCheck["qualifier"];
    let op = fullOp.replace(/^(ForAnyValue|ForAllValues):/, "");
    const ifExists = op.endsWith("IfExists");
    if (ifExists) op = op.slice(0, -"IfExists".length);
    for (const [key, raw] of Object.entries(keys ?? {})) {
      const expected = (Array.isArray(raw) ? raw : [raw]).map(String);
      if (op === "IpAddress" || op === "NotIpAddress") for (const cidr of expected) parseCidr(cidr);
      checks.push({ op, qualifier, ifExists, negated: NEGATED.has(op), key: key.toLowerCase(), expected, variables: expected.some((v) => v.includes("${")) });
    }
  }
  return checks;
}

export function conditionsHold(checks: ConditionCheck[], values: ConditionValues): boolean {
  for (const c of checks) {
    const expected = c.variables ? c.expected.map((v) => (v.includes("${") ? substitute(v, values) : v)) : c.expected;
    const actual = values.get(c.key);
    if (c.op === "Null") {
      const absent = actual === undefined || (Array.isArray(actual) && actual.length === 0);
      if (!expected.some((e) => (e === "true") === absent)) return false;
      continue;
    }
    if (actual === undefined) {
      if (c.ifExists || c.qualifier === "ForAllValues") continue;
      return false;
    }
    const one = (a: string) => (c.negated ? expected.every((e) => test(c.op, a, e)) : expected.some((e) => test(c.op, a, e)));
    const ok = typeof actual === "string" ? one(actual) : c.qualifier === "ForAllValues" ? actual.every(one) : actual.some(one);
    if (!ok) return false;
  }
  return true;
}

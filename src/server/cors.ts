// CORS as S3 does it: the bucket's rules (validated on PutBucketCors), preflight OPTIONS answered from
// them without authentication, and the Access-Control-* headers on actual requests whose Origin and
// method a rule allows — error responses included.
import { S3Error } from "../errors.ts";
import type { CorsRule } from "../metadata/store.ts";
import type { XmlNode } from "./xml.ts";

export const MAX_CORS_RULES = 100;
const METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"];

const invalid = (message: string) => new S3Error("InvalidRequest", { message });
const strings = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "string" ? x : "")));

/** Rules from a parsed <CORSConfiguration>, with S3's checks. */
export function corsRules(doc: unknown): CorsRule[] {
  const config = doc as { CORSRule?: unknown[] } | undefined;
  if (!config || typeof config !== "object" || !Array.isArray(config.CORSRule) || config.CORSRule.length === 0) throw new S3Error("MalformedXML");
  if (config.CORSRule.length > MAX_CORS_RULES) throw invalid(`The number of CORS rules should not exceed allowed limit of ${MAX_CORS_RULES} rules.`);
  return config.CORSRule.map((r): CorsRule => {
    const rule = r as Record<string, unknown>;
    if (typeof rule !== "object" || rule === null) throw new S3Error("MalformedXML");
    const allowedOrigins = strings(rule.AllowedOrigin);
    const allowedMethods = strings(rule.AllowedMethod);
    if (allowedOrigins.length === 0 || allowedMethods.length === 0) throw new S3Error("MalformedXML");
    for (const m of allowedMethods) if (!METHODS.includes(m)) throw invalid(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    for (const o of allowedOrigins) if (o.split("*").length > 2) throw invalid(`AllowedOrigin "${o}" can not have more than one wildcard.`);
    const allowedHeaders = strings(rule.AllowedHeader);
    for (const h of allowedHeaders) if (h.split("*").length > 2) throw invalid(`AllowedHeader "${h}" can not have more than one wildcard.`);
    const maxAge = rule.MaxAgeSeconds === undefined ? undefined : Number(rule.MaxAgeSeconds);
    if (maxAge !== undefined && !Number.isInteger(maxAge)) throw new S3Error("MalformedXML");
    return {
      ...(typeof rule.ID === "string" ? { id: rule.ID } : {}),
      allowedOrigins, allowedMethods, allowedHeaders, exposeHeaders: strings(rule.ExposeHeader),
      ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}),
    };
  });
}

export function corsXml(rules: CorsRule[]): XmlNode {
  return {
    CORSRule: rules.map((r) => ({
      ...(r.id ? { ID: r.id } : {}),
      AllowedHeader: r.allowedHeaders, AllowedMethod: r.allowedMethods, AllowedOrigin: r.allowedOrigins, ExposeHeader: r.exposeHeaders,
      ...(r.maxAgeSeconds !== undefined ? { MaxAgeSeconds: r.maxAgeSeconds } : {}),
    })),
  };
}

/** A pattern with at most one "*" against a value (header names compare case-insensitively). */
function wildcard(pattern: string, value: string, caseless = false): boolean {
  const p = caseless ? pattern.toLowerCase() : pattern;
  const v = caseless ? value.toLowerCase() : value;
  const star = p.indexOf("*");
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

/** The first rule that allows this origin, method and (for a preflight) request headers. */
export function matchRule(rules: CorsRule[] | undefined, origin: string, method: string, requestHeaders: string[] = []): CorsRule | undefined {
  return rules?.find((r) =>
    r.allowedOrigins.some((o) => wildcard(o, origin)) && r.allowedMethods.includes(method)
    && requestHeaders.every((h) => r.allowedHeaders.some((a) => wildcard(a, h, true))));
}

/** The Access-Control-* headers a matched rule gives a response. */
export function corsHeaders(rule: CorsRule, origin: string, requestHeaders?: string[]): Record<string, string> {
  const any = rule.allowedOrigins.includes("*");
  const out: Record<string, string> = {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-allow-methods": rule.allowedMethods.join(", "),
    vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
  if (!any) out["access-control-allow-credentials"] = "true";
  if (requestHeaders && requestHeaders.length > 0) out["access-control-allow-headers"] = requestHeaders.join(", ");
  if (rule.exposeHeaders.length > 0) out["access-control-expose-headers"] = rule.exposeHeaders.join(", ");
  if (rule.maxAgeSeconds !== undefined) out["access-control-max-age"] = String(rule.maxAgeSeconds);
  return out;
}

/** Adds the headers of the first rule that allows this origin and method to a response. */
export function addCorsHeaders(response: Response, rules: CorsRule[] | undefined, origin: string, method: string): void {
  const rule = matchRule(rules, origin, method);
  if (rule) for (const [name, value] of Object.entries(corsHeaders(rule, origin))) response.headers.set(name, value);
}

const notAllowed = (message: string) => new S3Error("AccessForbidden", { message: `CORSResponse: ${message}` });

/** A preflight OPTIONS: the headers to answer with, or S3's 400 / 403. */
export function preflight(rules: CorsRule[] | undefined, headers: Headers): Record<string, string> {
  const origin = headers.get("origin");
  const method = headers.get("access-control-request-method");
  if (!origin) throw new S3Error("BadRequest", { message: "Insufficient information. Origin request header needed." });
  if (!method) throw new S3Error("BadRequest", { message: "Invalid Access-Control-Request-Method: null" });
  if (!rules || rules.length === 0) throw notAllowed("CORS is not enabled for this bucket.");
  const requested = (headers.get("access-control-request-headers") ?? "").split(",").map((h) => h.trim()).filter((h) => h !== "");
  const rule = matchRule(rules, origin, method, requested);
  if (!rule) {
    throw notAllowed("This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  }
  return corsHeaders(rule, origin, requested);
}

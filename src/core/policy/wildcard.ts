// IAM wildcards: "*" any run of characters, "?" any one, everything else literal.
export function wildcard(pattern: string, ignoreCase = false): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, ignoreCase ? "is" : "s");
}

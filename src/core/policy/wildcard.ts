// IAM wildcards: "*" any run of characters, "?" any one, everything else literal. Compiled once per
// pattern (policies are evaluated on every request; their patterns repeat).
const compiled = new Map<string, RegExp>();

export function wildcard(pattern: string, ignoreCase = false): RegExp {
  const id = ignoreCase ? `i\u0000${pattern}` : pattern;
  let re = compiled.get(id);
  if (!re) {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    re = new RegExp(`^${escaped}$`, ignoreCase ? "is" : "s");
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(id, re);
  }
  return re;
}

// `bleepstore key create|list|revoke|disable|enable` and `bleepstore status`: a running server's admin API from the
// command line, as readable tables or, with --json, the API's own JSON.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { adminClient, failure } from "./admin-client.ts";

export const KEYS_HELP = `Usage:
  bleepstore key create [--name DISPLAY_NAME] [--access-key KEY --secret-key SECRET] [--policy FILE|NAME] [--json]
  bleepstore key list [--json]
  bleepstore key revoke ACCESS_KEY
  bleepstore key disable ACCESS_KEY      (kept, but authenticates nothing until enabled)
  bleepstore key enable ACCESS_KEY
  bleepstore key policy set ACCESS_KEY FILE|NAME
  bleepstore key policy get ACCESS_KEY
  bleepstore key policy clear ACCESS_KEY
  bleepstore status [--json]

A key's own policy limits it (README "Who may do what"): NAME is a built-in — readonly, writeonly,
readwrite, consoleAdmin (as MinIO names them) — or FILE a policy JSON file without Principal.

Common options: --config F (server.host, server.port and admin.token are read from it),
--endpoint URL (default: the configured server on this machine). The token is admin.token, e.g.
BLEEPSTORE_ADMIN_TOKEN; the server must run with the same one.
`;

/** Columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

interface KeyView { accessKey: string; ownerId: string; displayName: string; createdAt: string; secretKey?: string; policy?: string; disabled?: boolean }

const BUILTIN = new Set(["readonly", "writeonly", "readwrite", "consoleAdmin"]);

/** --policy / policy set: a built-in's name as it is, or a file's JSON. */
async function policyArgument(value: string): Promise<string> {
  if (BUILTIN.has(value)) return value;
  const file = Bun.file(value);
  if (!(await file.exists())) throw new ConfigError(`key: "${value}" is neither a built-in policy (${[...BUILTIN].join(", ")}) nor a file`);
  return file.text();
}

export async function adminCommand(command: "key" | "status", argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" }, endpoint: { type: "string" }, json: { type: "boolean", default: false },
      name: { type: "string" }, "access-key": { type: "string" }, "secret-key": { type: "string" }, policy: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || (command === "key" && positionals.length === 0)) return void process.stdout.write(KEYS_HELP);
  const config = await loadConfig(values.config !== undefined ? { configFile: values.config } : {});
  const api = adminClient(config, values.endpoint);
  const print = (json: unknown, text: string): void => void process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : text);

  if (command === "status") {
    if (positionals.length > 0) throw new ConfigError(`status: unexpected "${positionals.join(" ")}"`);
    const res = await api.call("GET", "/status");
    if (!res.ok) await failure(res);
    const s = await res.json() as Record<string, unknown>;
    const width = Math.max(...Object.keys(s).map((k) => k.length));
    return print(s, Object.entries(s).map(([k, v]) => `${k.padEnd(width)}  ${typeof v === "object" ? JSON.stringify(v) : String(v)}\n`).join(""));
  }

  const [action, ...rest] = positionals;
  if (action === "list" && rest.length === 0) {
    const res = await api.call("GET", "/credentials");
    if (!res.ok) await failure(res);
    const keys = await res.json() as KeyView[];
    const limit = (k: KeyView) => (k.policy === undefined ? "-" : BUILTIN.has(k.policy) ? k.policy : "custom");
    return print(keys, table(
      ["ACCESS KEY", "NAME", "OWNER ID", "CREATED", "POLICY", "STATE"],
      keys.map((k) => [k.accessKey, k.displayName, k.ownerId, k.createdAt, limit(k), k.disabled ? "disabled" : "enabled"]),
    ));
  }
  if (action === "create" && rest.length === 0) {
    if (!values["access-key"] !== !values["secret-key"]) throw new ConfigError("key create: give both --access-key and --secret-key, or neither");
    const res = await api.call("POST", "/credentials", {
      ...(values.name ? { displayName: values.name } : {}),
      ...(values["access-key"] ? { accessKey: values["access-key"], secretKey: values["secret-key"] } : {}),
      ...(values.policy ? { policy: await policyArgument(values.policy) } : {}),
    });
    if (!res.ok) await failure(res);
    const k = await res.json() as KeyView;
    return print(k, `${table(["ACCESS KEY", "SECRET KEY", "NAME", "OWNER ID"], [[k.accessKey, k.secretKey ?? "", k.displayName, k.ownerId]])}The secret key is shown only now.\n`);
  }
  if (action === "revoke" && rest.length === 1) {
    const res = await api.call("DELETE", `/credentials/${encodeURIComponent(rest[0]!)}`);
    if (res.status === 404) throw new ConfigError(`key revoke: no access key ${rest[0]!}`);
    if (!res.ok) await failure(res);
    return print({ revoked: rest[0] }, `revoked ${rest[0]!}\n`);
  }
  if ((action === "disable" || action === "enable") && rest.length === 1) {
    const res = await api.call("POST", `/credentials/${encodeURIComponent(rest[0]!)}/${action}`);
    if (res.status === 404) throw new ConfigError(`key ${action}: no access key ${rest[0]!}`);
    if (!res.ok) await failure(res);
    return print({ accessKey: rest[0], disabled: action === "disable" }, `${action}d ${rest[0]!}\n`);
  }
  if (action === "policy" && rest.length >= 2) {
    const [verb, key, source] = rest as [string, string, string | undefined];
    const path = `/credentials/${encodeURIComponent(key)}/policy`;
    if (verb === "set" && source !== undefined && rest.length === 3) {
      const res = await api.call("PUT", path, { policy: await policyArgument(source) });
      if (res.status === 404) throw new ConfigError(`key policy: no access key ${key}`);
      if (!res.ok) await failure(res);
      return print({ accessKey: key, policy: source }, `${key} limited by ${source}\n`);
    }
    if (verb === "get" && rest.length === 2) {
      const res = await api.call("GET", path);
      if (res.status === 404) throw new ConfigError(`key policy: no access key ${key}`);
      if (!res.ok) await failure(res);
      const got = await res.json() as { policy: string | null };
      return print(got, `${got.policy ?? "none (not limited)"}\n`);
    }
    if (verb === "clear" && rest.length === 2) {
      const res = await api.call("DELETE", path);
      if (res.status === 404) throw new ConfigError(`key policy: no access key ${key}`);
      if (!res.ok) await failure(res);
      return print({ accessKey: key, policy: null }, `${key} no longer limited\n`);
    }
  }
  throw new ConfigError(`key: unknown command "${positionals.join(" ")}" (create, list, revoke|disable|enable ACCESS_KEY, policy set|get|clear ACCESS_KEY)`);
}

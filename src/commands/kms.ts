// `bleepstore kms create|list|describe|enable|disable|rotate|schedule-deletion|cancel-deletion`: the
// key manager of a running server (its admin API), as readable lines or, with --json, the API's JSON.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import type { KeyInfo } from "../core/kms-keys.ts";
import { adminClient, failure } from "./admin-client.ts";
import { table } from "./keys.ts";

export const KMS_HELP = `Usage:
  bleepstore kms create [--description TEXT] [--alias alias/NAME] [--json]
  bleepstore kms list [--json]
  bleepstore kms describe KEY [--json]
  bleepstore kms enable KEY
  bleepstore kms disable KEY
  bleepstore kms rotate KEY
  bleepstore kms schedule-deletion KEY [--days 7..30]
  bleepstore kms cancel-deletion KEY

The key manager inside the server, for SSE-KMS (x-amz-server-side-encryption: aws:kms). KEY is a key
id, its ARN or an alias (alias/NAME); alias/aws/s3 is the default key, created on first use. A disabled
key (or one pending deletion) neither encrypts nor decrypts; rotation keeps older versions for what
they encrypted. Options as for \`bleepstore key\`: --config F, --endpoint URL; the token is admin.token.
`;

const ACTIONS = new Set(["describe", "enable", "disable", "rotate", "schedule-deletion", "cancel-deletion"]);

export async function kmsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" }, endpoint: { type: "string" }, json: { type: "boolean", default: false },
      description: { type: "string" }, alias: { type: "string" }, days: { type: "string" }, help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return void process.stdout.write(KMS_HELP);
  const [action, ...rest] = positionals;
  const config = await loadConfig(values.config !== undefined ? { configFile: values.config } : {});
  const api = adminClient(config, values.endpoint);
  const answer = async (res: Response) => (res.ok ? res.json() : failure(res));
  const print = (json: unknown, text: string): void => void process.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : text);

  if (action === "list" && rest.length === 0) {
    const keys = await answer(await api.call("GET", "/kms/keys")) as KeyInfo[];
    return print(keys, table(["KEY ID", "STATE", "VERSIONS", "ALIASES", "CREATED", "DESCRIPTION"],
      keys.map((k) => [k.keyId, k.state, String(k.versions), k.aliases.join(",") || "-", k.createdAt, k.description || "-"])));
  }
  if (action === "create" && rest.length === 0) {
    const key = await answer(await api.call("POST", "/kms/keys", {
      ...(values.description !== undefined ? { description: values.description } : {}), ...(values.alias !== undefined ? { alias: values.alias } : {}),
    })) as KeyInfo;
    return print(key, describe(key));
  }
  if (action !== undefined && ACTIONS.has(action) && rest.length === 1) {
    const path = `/kms/keys/${encodeURIComponent(rest[0]!)}`;
    let res: Response;
    if (action === "describe") {
      res = await api.call("GET", path);
    } else if (action === "schedule-deletion") {
      const days = values.days === undefined ? undefined : Number(values.days);
      if (days !== undefined && !Number.isInteger(days)) throw new ConfigError(`kms: --days must be a whole number, not "${values.days}"`);
      res = await api.call("POST", `${path}/schedule-deletion`, days === undefined ? {} : { days });
    } else {
      res = await api.call("POST", `${path}/${action}`);
    }
    const key = await answer(res) as KeyInfo;
    return print(key, describe(key));
  }
  throw new ConfigError(`kms: unknown command "${positionals.join(" ")}" (create, list, describe, enable, disable, rotate, schedule-deletion, cancel-deletion)`);
}

function describe(k: KeyInfo): string {
  const rows: Array<[string, string]> = [
    ["key id", k.keyId], ["arn", k.arn], ["aliases", k.aliases.join(", ") || "-"], ["state", k.state], ["versions", String(k.versions)],
    ["created", k.createdAt], ...(k.rotatedAt ? [["rotated", k.rotatedAt] as [string, string]] : []),
    ...(k.deletionDate ? [["deletion", k.deletionDate] as [string, string]] : []), ["managed", k.managed ? "yes (AWS managed)" : "no"],
    ["description", k.description || "-"],
  ];
  return rows.map(([name, value]) => `${name.padEnd(11)}  ${value}\n`).join("");
}

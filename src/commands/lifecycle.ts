// `bleepstore lifecycle run [--bucket B] [--dry-run]`: one lifecycle pass now on a running server (its
// admin API), printing what it did — or, dry, what it would do, changing nothing.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import type { LifecyclePass } from "../core/lifecycle.ts";
import { adminClient, failure } from "./admin-client.ts";

export const LIFECYCLE_HELP = `Usage:
  bleepstore lifecycle run [--bucket B] [--dry-run] [--json]

Runs one pass of the buckets' lifecycle rules now (every bucket with rules, or B), as the server's own
pass every lifecycle.interval_seconds does, and prints what it deleted and aborted. --dry-run changes
nothing and prints what the pass would do. Options as for \`bleepstore key\`: --config F, --endpoint URL;
the token is admin.token.
`;

export async function lifecycleCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" }, endpoint: { type: "string" }, bucket: { type: "string" }, "dry-run": { type: "boolean", default: false },
      json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return void process.stdout.write(LIFECYCLE_HELP);
  if (positionals[0] !== "run" || positionals.length > 1) throw new ConfigError(`lifecycle: unknown command "${positionals.join(" ")}" (run)`);
  const config = await loadConfig(values.config !== undefined ? { configFile: values.config } : {});
  const query = new URLSearchParams();
  if (values.bucket !== undefined) query.set("bucket", values.bucket);
  if (values["dry-run"]) query.set("dry_run", "true");
  const res = await adminClient(config, values.endpoint).call("POST", `/lifecycle/run${query.size ? `?${query}` : ""}`);
  if (!res.ok) await failure(res);
  const pass = await res.json() as LifecyclePass;
  if (values.json) return void process.stdout.write(`${JSON.stringify(pass, null, 2)}\n`);
  const verb = pass.dryRun ? "would" : "did";
  const lines = pass.actions.map((a) => `${pass.dryRun ? "would " : ""}${a.action} ${a.bucket}/${a.key}${a.versionId !== undefined ? ` (version ${a.versionId})` : ""}${a.uploadId ? ` (upload ${a.uploadId})` : ""}`);
  const total = pass.expired + pass.noncurrent + pass.markers + pass.aborted;
  if (total > pass.actions.length) lines.push(`… and ${total - pass.actions.length} more`);
  lines.push(`lifecycle pass (${verb}): ${pass.expired} expired, ${pass.noncurrent} noncurrent versions removed, ${pass.markers} delete markers removed, ${pass.aborted} uploads aborted`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

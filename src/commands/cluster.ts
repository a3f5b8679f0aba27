// `bleepstore cluster status`: a running node's view of its cluster through the admin API — the nodes
// (version, start, last heartbeat, URLs), which node runs each background job, etcd's members and leader.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import type { NodeRecord } from "../cluster/node.ts";
import { adminClient, failure } from "./admin-client.ts";
import { table } from "./keys.ts";

export const CLUSTER_HELP = `Usage:
  bleepstore cluster status [--json]

Options as for \`bleepstore key\`: --config F, --endpoint URL (any node); the token is admin.token.
`;

export async function clusterCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, endpoint: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return void process.stdout.write(CLUSTER_HELP);
  if (positionals[0] !== "status" || positionals.length > 1) throw new ConfigError(`cluster: unknown command "${positionals.join(" ")}" (status)`);
  const config = await loadConfig(values.config !== undefined ? { configFile: values.config } : {});
  const res = await adminClient(config, values.endpoint).call("GET", "/cluster");
  if (!res.ok) await failure(res);
  const s = await res.json() as { node: string; nodes: NodeRecord[]; jobs: Record<string, string>; engine: { leader?: string; members?: Array<{ name: string; clientURLs: string[] }>; error?: string } };
  if (values.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
  const nodes = table(["NODE", "VERSION", "STARTED", "HEARTBEAT", "URLS"], s.nodes.map((n) => [n.id === s.node ? `${n.id} (this)` : n.id, n.version, n.startedAt, n.heartbeat, n.urls.join(" ")]));
  const jobs = Object.entries(s.jobs).map(([job, node]) => `${job}: ${node}`).join(", ") || "none taken yet";
  const e = s.engine;
  const engine = e.error ? `engine: ${e.error}` : e.members ? `etcd leader: ${e.leader}; members: ${e.members.map((m) => `${m.name} ${m.clientURLs.join(",")}`).join("; ")}` : `engine: ${JSON.stringify(e)}`;
  process.stdout.write(`${nodes}\njobs: ${jobs}\n${engine}\n`);
}

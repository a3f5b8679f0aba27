// `bleepstore events tail`: events as they commit, from a running server's admin API (long-polled),
// for a user debugging a pipeline: one line each, or the stored event as a JSON line with --json.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import type { StoredEvent } from "../metadata/events.ts";
import { adminClient, failure } from "./admin-client.ts";

export const EVENTS_HELP = `Usage:
  bleepstore events tail [--from-start] [--count N] [--json]

Prints each event as it commits (type, bucket/key, version, request id, event id), until interrupted
or N were printed. --from-start begins with the oldest event the outbox still holds (the last 10,000
delivered and every one not yet delivered). Options as for \`bleepstore key\`: --config F, --endpoint URL;
the token is admin.token (BLEEPSTORE_ADMIN_TOKEN).
`;

export function eventLine(e: StoredEvent): string {
  const d = e.data;
  const where = d.bucket === undefined ? "" : `${String(d.bucket)}${d.key === undefined ? "" : `/${String(d.key)}`}`;
  const version = typeof d.versionId === "string" && d.versionId !== "null" ? `  version=${d.versionId}` : "";
  const name = typeof d.eventName === "string" ? `  ${d.eventName}` : "";
  return `${new Date(e.timestamp).toISOString()}  ${e.type.padEnd(24)}  ${where}${version}${name}  request=${e.requestId || "-"}  id=${e.id}${e.delivered ? "" : "  (pending)"}\n`;
}

export async function eventsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" }, endpoint: { type: "string" }, json: { type: "boolean", default: false },
      "from-start": { type: "boolean", default: false }, count: { type: "string" }, help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help || positionals.length === 0) return void process.stdout.write(EVENTS_HELP);
  if (positionals[0] !== "tail" || positionals.length > 1) throw new ConfigError(`events: unknown command "${positionals.join(" ")}" (tail)`);
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0)) throw new ConfigError(`events tail: --count must be a positive number (got "${values.count}")`);
  const config = await loadConfig(values.config !== undefined ? { configFile: values.config } : {});
  const api = adminClient(config, values.endpoint);
  let after = values["from-start"] ? 0 : -1;
  let printed = 0;
  while (printed < count) {
    const res = await api.call("GET", `/events?after=${after}&limit=1000&wait_ms=10000`);
    if (!res.ok) await failure(res);
    const page = await res.json() as { events: StoredEvent[]; next: number };
    for (const e of page.events) {
      if (printed >= count) break;
      process.stdout.write(values.json ? `${JSON.stringify(e)}\n` : eventLine(e));
      printed++;
    }
    after = page.next;
  }
}

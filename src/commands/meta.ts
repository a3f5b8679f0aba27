// `bleepstore meta export|import`: the family's metadata export (SPEC §12) on the configured engine,
// offline. When a running server holds the database (SQLite is opened exclusively), the same
// document goes through that server's admin API instead, if admin.token is set.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, type Config } from "../config.ts";
import { exportMetadata, importMetadata, type ImportMode } from "../core/export.ts";
import { parseTables, renderExport, type Table } from "../core/export-format.ts";
import { createMetadataStore } from "../metadata/index.ts";
import type { MetadataStore } from "../metadata/store.ts";
import { adminClient, failure } from "./admin-client.ts";

export const META_HELP = `Usage:
  bleepstore meta export [--config F] [--data-dir D] [--output F|-] [--tables a,b] [--include-credentials] [--include-events]
  bleepstore meta import [--config F] [--data-dir D] [--input F|-] [--merge|--replace]

Works on the metadata engine the configuration names, with the server stopped; while a server holds
the database, through its admin API (admin.token must be set). Tables: buckets, objects,
multipart_uploads, multipart_parts, credentials. Secret keys are written only with
--include-credentials; credentials without one are skipped on import. --include-events adds the events
not yet delivered (bleepstore_export.extra.undelivered_events; not re-queued by an import).
`;

/** Opens the engine, or says that a running server has it. */
async function openStore(config: Config): Promise<MetadataStore | "busy"> {
  const store = await createMetadataStore(config);
  try {
    await store.init();
  } catch (err) {
    if (/in use by another process/.test((err as Error).message)) return "busy";
    throw err;
  }
  return store;
}

async function readInput(input: string): Promise<unknown> {
  const text = input === "-" ? await Bun.stdin.text() : await Bun.file(input).text().catch(() => {
    throw new ConfigError(`meta import: cannot read ${input}`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`meta import: ${input === "-" ? "stdin" : input} is not JSON: ${(err as Error).message}`);
  }
}

export async function metaCommand(argv: string[], version: string): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" }, "data-dir": { type: "string" }, output: { type: "string", default: "-" }, input: { type: "string", default: "-" },
      tables: { type: "string" }, "include-credentials": { type: "boolean", default: false }, "include-events": { type: "boolean", default: false },
      merge: { type: "boolean", default: false }, replace: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const action = positionals[0];
  if (values.help || !action) return void process.stdout.write(META_HELP);
  if (positionals.length > 1 || (action !== "export" && action !== "import")) throw new ConfigError(`meta: unknown command "${positionals.join(" ")}" (export or import)`);
  if (values.merge && values.replace) throw new ConfigError("meta import: --merge and --replace exclude each other");
  const config = await loadConfig({
    ...(values.config !== undefined ? { configFile: values.config } : {}),
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
  });
  const source = `typescript/${version}`;
  const tables: Table[] | undefined = values.tables ? parseTables(values.tables) : undefined;
  const store = await openStore(config);

  if (action === "export") {
    let text: string;
    if (store === "busy") {
      const query = new URLSearchParams({ ...(values.tables ? { tables: values.tables } : {}), ...(values["include-credentials"] ? { include_credentials: "true" } : {}),
        ...(values["include-events"] ? { include_events: "true" } : {}) });
      const res = await adminClient(config).call("GET", `/metadata?${query}`);
      if (!res.ok) await failure(res);
      text = await res.text();
    } else {
      text = renderExport(await exportMetadata(store, { source, includeCredentials: values["include-credentials"], includeEvents: values["include-events"], ...(tables ? { tables } : {}) }));
      await store.close();
    }
    if (values.output === "-") process.stdout.write(text);
    else await Bun.write(values.output, text);
    return;
  }

  const mode: ImportMode = values.replace ? "replace" : "merge";
  const doc = await readInput(values.input);
  let counts: Record<string, unknown>;
  if (store === "busy") {
    const res = await adminClient(config).call("POST", `/metadata?mode=${mode}`, doc);
    if (!res.ok) await failure(res);
    const answer = await res.json() as { warnings?: string[] } & Record<string, unknown>;
    for (const w of answer.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
    delete answer.warnings;
    counts = answer;
  } else {
    counts = { ...(await importMetadata(store, doc, mode, (w) => process.stderr.write(`warning: ${w}\n`))) };
    await store.close();
  }
  process.stdout.write(`imported (${mode}): ${Object.entries(counts).map(([k, v]) => `${k} ${String(v)}`).join(", ")}\n`);
}

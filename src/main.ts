#!/usr/bin/env bun
// Entry point: parse flags → load config → serve (serve.ts), in this process or (server.workers) in
// worker processes under a supervisor (workers/supervisor.ts), which loads nothing it does not need.
// Subcommands (meta, key, status) are imported only when named.
import "./runtime-env.ts";
import { HELP, parseCli, VERSION, VERSION_LINE } from "./cli.ts";
import { ConfigError, loadConfig, workerCount, type Config } from "./config.ts";
import { createLogger } from "./log.ts";
import { describeFailure } from "./startup.ts";
import { workerRole } from "./workers/worker.ts";

let loaded: Config | undefined;

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  if (command === "meta") return (await import("./commands/meta.ts")).metaCommand(argv.slice(1), VERSION);
  if (command === "cluster") return (await import("./commands/cluster.ts")).clusterCommand(argv.slice(1));
  if (command === "events") return (await import("./commands/events.ts")).eventsCommand(argv.slice(1));
  if (command === "lifecycle") return (await import("./commands/lifecycle.ts")).lifecycleCommand(argv.slice(1));
  if (command === "kms") return (await import("./commands/kms.ts")).kmsCommand(argv.slice(1));
  if (command === "key" || command === "status") return (await import("./commands/keys.ts")).adminCommand(command, argv.slice(1));
  const cli = parseCli(argv);
  if (cli.help) return void process.stdout.write(HELP);
  if (cli.version) return void process.stdout.write(`${VERSION_LINE}\n`);
  loaded = await loadConfig(cli);
  if (cli.check) return (await import("./serve.ts")).check(loaded);
  const role = workerRole(loaded.metadata.sqlite.path);
  const count = workerCount(loaded);
  if (count > 1 && !role) return (await import("./workers/supervisor.ts")).supervise(loaded, count, createLogger(loaded.logging.level));
  return (await import("./serve.ts")).serve(loaded, role);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // ConfigErrors already start with what they are about (config:, admin:, meta:).
  const line = describeFailure(err, loaded);
  process.stderr.write(`${err instanceof ConfigError ? line : `bleepstore: ${line}`}\n`);
  process.exit(1);
});

// Compiles BleepStore into one standalone executable per target with `bun build --compile`
// (minified, precompiled to bytecode, sourcemap embedded, version and git commit baked in).
// --splitting keeps each lazily imported engine, backend and SDK in its own chunk, evaluated only if
// the configuration selects it; bytecode with splitting needs --format=esm.
//   bun build.ts                      this machine's target → dist/bleepstore
//   bun build.ts --all                every release target  → dist/bleepstore-<target>
//   bun build.ts --target linux-arm64 one target;  --outfile PATH  choose the output path
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import pkg from "./package.json" with { type: "json" };

export const TARGETS = ["linux-x64", "linux-arm64", "darwin-arm64", "darwin-x64", "windows-x64"] as const;

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { all: { type: "boolean", default: false }, target: { type: "string" }, outfile: { type: "string" } },
});
if (values.target && !(TARGETS as readonly string[]).includes(values.target)) {
  console.error(`build.ts: unknown target ${values.target}; one of ${TARGETS.join(", ")}`);
  process.exit(2);
}

function gitCommit(): string {
  const r = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: import.meta.dir, stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : "unknown";
}

const commit = gitCommit();

async function build(target: string | undefined, outfile: string): Promise<void> {
  const args = [
    "build", "--compile", "--bytecode", "--format=esm", "--splitting", "--minify", "--sourcemap", join(import.meta.dir, "src", "main.ts"),
    // The hash worker's thread runs its own entrypoint (src/core/hash-pool.ts starts it by URL).
    join(import.meta.dir, "src", "core", "hash-worker.ts"), "--outfile", outfile,
    "--define", `BLEEPSTORE_COMMIT=${JSON.stringify(commit)}`,
    "--define", `BLEEPSTORE_TARGET=${JSON.stringify(target ?? `${process.platform}-${process.arch}`)}`,
  ];
  if (target) args.push("--target", `bun-${target}`);
  const proc = Bun.spawn([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`bun build for ${target ?? "this machine"} exited with ${code}`);
  // Sourcemaps are embedded in the executable; the side files bun also writes (one per chunk, as
  // --splitting keeps each lazily imported backend in its own chunk) are not needed.
  rmSync(`${outfile}.map`, { force: true });
  rmSync(`${outfile.replace(/\.exe$/, "")}.map`, { force: true });
  for (const name of readdirSync(dirname(outfile))) if (name.endsWith(".js.map")) rmSync(join(dirname(outfile), name), { force: true });
  console.log(`built ${outfile} (bleepstore ${pkg.version}, commit ${commit}, ${target ?? "host"})`);
}

if (values.all) {
  for (const target of TARGETS) await build(target, join("dist", `bleepstore-${target}${target.startsWith("windows") ? ".exe" : ""}`));
} else {
  const target = values.target;
  const name = target ? `bleepstore-${target}${target.startsWith("windows") ? ".exe" : ""}` : "bleepstore";
  await build(target, values.outfile ?? join("dist", name));
}

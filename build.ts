// Compiles the server into one standalone executable in dist/ with `bun build --compile`.
// `bun build.ts` builds for this machine; `bun build.ts --target bun-linux-arm64` picks another target.
import { parseArgs } from "node:util";
import { join } from "node:path";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { target: { type: "string" }, outfile: { type: "string" } } });
const target = values.target;
const outfile = values.outfile ?? join("dist", target ? `bleepstore-${target.replace(/^bun-/, "")}` : "bleepstore");

const args = ["build", "--compile", "--minify", "--sourcemap", join("src", "main.ts"), "--outfile", outfile];
if (target) args.push("--target", target);
const proc = Bun.spawn([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
const code = await proc.exited;
if (code !== 0) process.exit(code);
console.log(`built ${outfile}`);

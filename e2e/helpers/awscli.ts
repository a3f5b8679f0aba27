// Debian's AWS CLI v2 (/usr/bin/aws, installed by .ci/run) pointed at a test server, with no config or
// credentials of the machine's own: pyenv's AWS CLI v1 comes first on PATH here, so the path is fixed.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ACCESS_KEY, SECRET_KEY } from "./server.ts";

export const AWS_CLI = "/usr/bin/aws";
export const hasAwsCli = existsSync(AWS_CLI);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A runner of `aws --endpoint-url <endpoint> …` whose HOME is `home` (a temp dir of the test). */
export function awsCli(
  endpoint: () => string, home: () => string, credentials = () => ({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY }),
): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    const proc = Bun.spawn([AWS_CLI, "--endpoint-url", endpoint(), ...args], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home(),
        AWS_ACCESS_KEY_ID: credentials().accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials().secretAccessKey,
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_CONFIG_FILE: join(home(), "no-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home(), "no-credentials"),
        AWS_PAGER: "",
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  };
}

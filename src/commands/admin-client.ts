// A client for a running server's admin API, for the subcommands (`key`, `status`, and `meta` when
// the metadata database is held by the running server). The endpoint comes from --endpoint or the
// config's server.host/port; the token from admin.token (BLEEPSTORE_ADMIN_TOKEN or the config file).
import type { Config } from "../config.ts";
import { ConfigError } from "../config.ts";

export const ADMIN_PATH = "/_bleepstore/admin";

export interface AdminClient {
  endpoint: string;
  call(method: string, path: string, body?: unknown): Promise<Response>;
}

/** The URL a local client reaches the configured server on (a wildcard address means this machine). */
export function localEndpoint(config: Config): string {
  const host = ["0.0.0.0", "::", ""].includes(config.server.host) ? "127.0.0.1" : config.server.host;
  const scheme = config.server.tls.cert_file ? "https" : "http";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}

export function adminClient(config: Config, endpoint?: string): AdminClient {
  const token = config.admin.token;
  if (!token) throw new ConfigError("admin: no token; set admin.token in the config or BLEEPSTORE_ADMIN_TOKEN (the server must have the same)");
  const base = (endpoint ?? localEndpoint(config)).replace(/\/+$/, "");
  return {
    endpoint: base,
    async call(method, path, body) {
      let res: Response;
      try {
        res = await fetch(`${base}${ADMIN_PATH}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
          tls: { rejectUnauthorized: process.env.NODE_TLS_REJECT_UNAUTHORIZED !== "0" },
        });
      } catch (err) {
        throw new ConfigError(`admin: cannot reach ${base}: ${(err as Error).message}`);
      }
      if (res.status === 401) throw new ConfigError(`admin: ${base} refused the token (admin.token differs from the server's)`);
      if (res.status === 404 && (await res.clone().text()).includes("admin API is disabled")) {
        throw new ConfigError(`admin: the admin API of ${base} is off (start the server with admin.token set)`);
      }
      return res;
    },
  };
}

/** The body of a failed admin answer as one line. */
export async function failure(res: Response): Promise<never> {
  const text = await res.text();
  let message = text;
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch { /* not JSON */ }
  throw new ConfigError(`admin: ${res.status} ${message.split("\n")[0]}`);
}

// The Elysia app in this process on memory engines, for handler-level tests that need no separate
// server (Hono's style: milliseconds, not a spawned process). Requests are signed like a client's.
import { Engine } from "../../src/core/engine.ts";
import { createLogger } from "../../src/log.ts";
import { MemoryMetadataStore } from "../../src/metadata/memory.ts";
import { createApp } from "../../src/server/app.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { ACCESS_KEY, SECRET_KEY } from "../../e2e/helpers/server.ts";
import { signRequest, type SignOptions } from "../../e2e/helpers/sign.ts";

const ORIGIN = "http://127.0.0.1:9000";

export interface InProcess {
  engine: Engine;
  /** A signed request to the app; `path` is percent-encoded as sent, query included. */
  send(path: string, options?: SignOptions): Promise<Response>;
}

export async function inProcess(): Promise<InProcess> {
  const engine = new Engine({
    metadata: new MemoryMetadataStore(), storage: new MemoryStorage(), region: "us-east-1",
    log: createLogger("error", () => {}), credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
  });
  await engine.start();
  const app = await createApp({ engine, log: createLogger("error", () => {}), domain: "localhost" });
  return {
    engine,
    send: (path, options = {}) => {
      const url = `${ORIGIN}${path}`;
      const init = signRequest(url, options);
      // What an HTTP client sends with a body (a Request built in process has no such header).
      if (init.body !== undefined) init.headers["content-length"] = String(Buffer.byteLength(init.body));
      return app.handle(new Request(url, init as RequestInit));
    },
  };
}

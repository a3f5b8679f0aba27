// The request a piece of engine work belongs to, for correlating events and logs with requests. Set by
// the HTTP edge around each handler; the engine only ever reads an id (it never sees the request).
import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage<string>();

export function withRequestId<T>(requestId: string, run: () => T): T {
  return current.run(requestId, run);
}

/** The id of the request being served, or "" for work outside one (start-up, recovery, the CLI). */
export function currentRequestId(): string {
  return current.getStore() ?? "";
}

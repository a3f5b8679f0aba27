// A group of routes under one prefix whose module is imported, and whose Elysia instance is built, at
// the first request under the prefix (or when the API docs list it): the admin API and the console
// are code most requests never reach, and left out of start-up they keep the idle process within its
// memory budget (issue 33). A request reaches the group's own instance whole, body unread.
import type { AnyElysia } from "elysia";
import type { DocumentedRoute } from "./docs.ts";

export interface LazyRoutes {
  readonly prefix: string;
  /** Answers a request under the prefix, building the group first when needed. */
  handle(request: Request): Promise<Response>;
  /** The group's routes as Elysia lists them (for the API docs); builds the group. */
  routes(): Promise<DocumentedRoute[]>;
}

export function lazyRoutes(prefix: string, build: () => Promise<AnyElysia>): LazyRoutes {
  let built: Promise<AnyElysia> | undefined;
  // A failed import or build is tried again at the next request, not remembered.
  const group = () => (built ??= build().catch((err: unknown) => {
    built = undefined;
    throw err;
  }));
  return {
    prefix,
    handle: async (request) => (await group()).handle(request),
    routes: async () => (await group()).routes as DocumentedRoute[],
  };
}

/** Sends the prefix and everything under it to the group (these catch-alls are left out of the docs). */
export function mountLazy(app: AnyElysia, group: LazyRoutes): void {
  // (Elysia cannot infer a handler's context for an instance of any shape, hence the casts.)
  const handler = (context: { request: Request }) => group.handle(context.request);
  app.all(group.prefix, handler as never, { parse: "none", detail: { hide: true } });
  app.all(`${group.prefix}/*`, handler as never, { parse: "none", detail: { hide: true } });
}

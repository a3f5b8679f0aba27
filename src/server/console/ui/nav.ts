// Where the console is (which view, which bucket and folder) and how to go elsewhere. The views fill
// in `go` at start (main.ts), so that no view imports another to move to it.
import { byId } from "./dom.ts";

export type View = "signin" | "buckets" | "objects" | "keys" | "server" | "events";

export const place = { bucket: "", prefix: "", token: "" };

export const go = {
  signIn: (): unknown => undefined,
  buckets: (): unknown => undefined,
  folder: (_bucket: string, _prefix: string, _token: string): unknown => undefined,
};

export function show(view: View, accessKey?: string): void {
  byId("signin").hidden = view !== "signin";
  byId("buckets").hidden = view !== "buckets";
  byId("objects").hidden = view !== "objects";
  byId("keys").hidden = view !== "keys";
  byId("server").hidden = view !== "server";
  byId("events").hidden = view !== "events";
  byId("who").hidden = view === "signin";
  byId("menu").hidden = view === "signin";
  if (accessKey !== undefined) byId("key").textContent = accessKey;
}

/** Shows a folder again after a change made in it, unless the user has gone elsewhere meanwhile. */
export async function refreshFolder(bucket: string, prefix: string): Promise<void> {
  if (byId("objects").hidden || place.bucket !== bucket || place.prefix !== prefix) return;
  await go.folder(bucket, prefix, "");
}

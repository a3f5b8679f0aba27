// The documented operation table agrees with the router: each entry, sent through resolve() as a
// client would address it, lands on the operation it names; and every handler is documented.
import { describe, expect, test } from "bun:test";
import { API_ROUTES } from "../../src/server/api-surface.ts";
import { OPERATIONS } from "../../src/server/operations/index.ts";
import { resolve } from "../../src/server/resolve.ts";

const fill = (v: string) => (v === "{partNumber}" ? "3" : v === "{uploadId}" ? "upload-1" : v);

describe("api-surface", () => {
  for (const r of API_ROUTES) {
    test(`${r.name}: ${r.method} ${r.path}${r.query ? `?${Object.keys(r.query).join("&")}` : ""} resolves to it`, () => {
      const path = r.path.replace("{bucket}", "my-bucket").replace("{key}", "dir/my-key");
      const query = new URLSearchParams(Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, fill(v)])));
      const value = r.header === "content-type" ? "multipart/form-data; boundary=x" : "/src-bucket/src-key";
      const headers = new Headers(r.header ? { [r.header]: value } : {});
      const resolved = resolve(r.method, path, query, headers, "localhost");
      const name = "name" in resolved.params && typeof resolved.params.name === "string" ? resolved.params.name : resolved.operation;
      expect(name).toBe(r.name);
    });
  }

  test("every served operation is documented", () => {
    const documented = new Set(API_ROUTES.map((r) => r.name));
    for (const op of Object.keys(OPERATIONS)) {
      if (op === "GetBucketSetting" || op === "DeleteBucketSetting") continue;
      expect(documented.has(op)).toBe(true);
    }
  });
});

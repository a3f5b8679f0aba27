import { expect, test } from "bun:test";
import { Elysia } from "elysia";
import { lazyRoutes, mountLazy } from "../src/server/lazy-routes.ts";

test("lazy routes: built at the first request under the prefix, once; the rest of the app is untouched; a failed build is tried again", async () => {
  let builds = 0;
  let fail = true;
  const group = lazyRoutes("/_x/admin", async () => {
    builds++;
    if (fail) throw new Error("import failed");
    return new Elysia({ prefix: "/_x/admin" })
      .get("/", () => "root")
      .post("/echo", async ({ request }) => `echo ${await request.text()}`, { parse: "none" });
  });
  const app = new Elysia().get("/other", () => "other");
  mountLazy(app, group);
  app.all("/*", () => "s3");

  expect(await (await app.handle(new Request("http://localhost/other"))).text()).toBe("other");
  expect(builds).toBe(0);
  // The first build fails: the request fails, and the next one builds again.
  expect((await app.handle(new Request("http://localhost/_x/admin/"))).status).toBe(500);
  fail = false;
  expect(await (await app.handle(new Request("http://localhost/_x/admin/"))).text()).toBe("root");
  // The body reaches the group unread.
  expect(await (await app.handle(new Request("http://localhost/_x/admin/echo", { method: "POST", body: "hello" }))).text()).toBe("echo hello");
  expect(builds).toBe(2);
  // Beside the prefix, the app's own catch-all still answers.
  expect(await (await app.handle(new Request("http://localhost/_x/other"))).text()).toBe("s3");
  // The docs see the group's routes, not the catch-alls that lead to it.
  expect((await group.routes()).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /_x/admin/", "POST /_x/admin/echo"]);
  expect(builds).toBe(2);
});

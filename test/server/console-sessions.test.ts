// Console sessions on a real metadata store (memory): issued, verified, signed out; the sign-out
// records of expired sessions pruned, those of live ones kept.
import { expect, test } from "bun:test";
import { MemoryMetadataStore } from "../../src/metadata/memory.ts";
import { ConsoleSessions } from "../../src/server/console/session.ts";

test("a signed-out session is refused; its record is pruned once the session has expired, not before", async () => {
  const store = new MemoryMetadataStore();
  await store.init();
  const sessions = new ConsoleSessions(Buffer.alloc(32, 7), store, 300);
  const a = sessions.issue("key-a");
  const b = sessions.issue("key-b");
  expect((await sessions.verify(a.token))?.accessKey).toBe("key-a");
  await sessions.revoke(a.session);
  await sessions.revoke(b.session);
  expect(await sessions.verify(a.token)).toBeNull();
  expect(await sessions.prune()).toBe(0);
  expect((await store.listRecords("console-revoked")).length).toBe(2);
  // Once both sessions have expired, their records go; a signed-out cookie stays refused (expired).
  await Bun.sleep(350);
  expect(await sessions.prune()).toBe(2);
  expect(await store.listRecords("console-revoked")).toEqual([]);
  expect(await sessions.verify(b.token)).toBeNull();
});

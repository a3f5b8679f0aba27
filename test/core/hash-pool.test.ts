import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { WorkerMd5 } from "../../src/core/hash-pool.ts";

test("worker MD5: concurrent bodies, fed in uneven chunks with waits for the worker, each get their own digest; a dropped one does not disturb the rest", async () => {
  const bodies = Array.from({ length: 6 }, (_, i) => crypto.getRandomValues(new Uint8Array(3 * 1024 * 1024 + i * 7777)));
  const dropped = new WorkerMd5();
  dropped.update(new Uint8Array(100));
  const digests = await Promise.all(bodies.map(async (body, i) => {
    const md5 = new WorkerMd5();
    for (let at = 0; at < body.length;) {
      const n = Math.min(body.length - at, 65_536 * (1 + ((at + i) % 5)));
      md5.update(body.subarray(at, at + n));
      at += n;
      await md5.drained();
    }
    if (i === 2) dropped.close();
    return Buffer.from(await md5.digest()).toString("hex");
  }));
  expect(digests).toEqual(bodies.map((b) => createHash("md5").update(b).digest("hex")));
  const empty = new WorkerMd5();
  expect(Buffer.from(await empty.digest()).toString("hex")).toBe(createHash("md5").digest("hex"));
});

test("worker MD5: a Node Buffer given to it (a view of a shared pool) stays whole for its owner", async () => {
  const pool = Buffer.from(crypto.getRandomValues(new Uint8Array(64 * 1024)));
  const chunk = pool.subarray(100, 5000);
  const before = Buffer.from(chunk);
  const md5 = new WorkerMd5();
  md5.update(chunk);
  expect(chunk.length).toBe(4900);
  expect(chunk.equals(before)).toBe(true);
  expect(Buffer.from(await md5.digest()).toString("hex")).toBe(createHash("md5").update(before).digest("hex"));
});

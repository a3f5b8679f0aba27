import { describe, expect, test } from "bun:test";
import { batched, createLogger } from "../src/log.ts";

describe("logger", () => {
  test("lines of one turn of the event loop go out in one write, in order; a warning or error goes out at once", async () => {
    const writes: string[] = [];
    const log = createLogger("info", batched((chunk) => writes.push(chunk)));
    log.debug("hidden");
    log.info("one", { n: 1 });
    log.info("two", { key: 'a "quoted"\nkey' });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    const lines = writes[0]!.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(["one", "two"]);
    expect(lines[1].key).toBe('a "quoted"\nkey');
    expect(lines[0].level).toBe("info");
    expect(Date.parse(lines[0].time)).toBeGreaterThan(Date.now() - 60_000);

    log.info("three");
    log.error("failed", { err: new Error("boom") });
    expect(writes).toHaveLength(2);
    const [three, failed] = writes[1]!.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(three.msg).toBe("three");
    expect(failed.err.message).toBe("boom");
  });

  test("64 KiB waiting are written without waiting for the turn to end", () => {
    const writes: string[] = [];
    const log = createLogger("info", batched((chunk) => writes.push(chunk)));
    for (let i = 0; i < 1000; i++) log.info("request", { key: "k".repeat(100) });
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.endsWith("\n"))).toBe(true);
  });

  test("a line is time, level and msg, then the fields in their order without the undefined ones — by either way of writing it", () => {
    const lines: string[] = [];
    const log = createLogger("debug", (line) => lines.push(line));
    const odd = 'k "q" \\ \n\t \u0001 é 🙂 </script>';
    log.info("request", { requestId: "R1", bucket: odd, key: undefined, status: 200, nested: { a: [1, null] }, ms: 0.25 });
    log.warn("request", { msg: "shadowed", extra: odd });
    log.error("request failed", { requestId: "R2", err: new Error("boom"), bucket: undefined });
    log.debug("bare");
    const parsed = lines.map((l) => {
      expect(l.endsWith("\n")).toBe(true);
      return JSON.parse(l);
    });
    expect(Object.keys(parsed[0])).toEqual(["time", "level", "msg", "requestId", "bucket", "status", "nested", "ms"]);
    expect(parsed[0]).toMatchObject({ level: "info", msg: "request", requestId: "R1", bucket: odd, status: 200, nested: { a: [1, null] }, ms: 0.25 });
    // A field named like the head's replaces it, as it always did.
    expect(Object.keys(parsed[1])).toEqual(["time", "level", "msg", "extra"]);
    expect(parsed[1]).toMatchObject({ level: "warn", msg: "shadowed", extra: odd });
    expect(Object.keys(parsed[2])).toEqual(["time", "level", "msg", "requestId", "err"]);
    expect(parsed[2].err).toMatchObject({ name: "Error", message: "boom" });
    expect(Object.keys(parsed[3])).toEqual(["time", "level", "msg"]);
  });
});

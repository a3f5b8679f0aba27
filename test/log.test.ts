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
});

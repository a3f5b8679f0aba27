import { expect, test } from "bun:test";
import { startMemoryGovernor } from "../src/core/gc.ts";

test("memory governor: collects once the heap has grown by half since the last collection, and not while it stays put", async () => {
  Bun.gc(true);
  const governor = startMemoryGovernor(10, 1024 * 1024);
  try {
    // Grow the heap well past half again of what it holds now.
    let held: Uint8Array[] | null = Array.from({ length: 64 }, () => new Uint8Array(1024 * 1024));
    const deadline = Date.now() + 2000;
    while (governor.collections === 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(governor.collections).toBeGreaterThan(0);
    expect(held.length).toBe(64);
    held = null;
    // Settled: the heap no longer grows, so no more collections.
    await Bun.sleep(50);
    const settled = governor.collections;
    await Bun.sleep(200);
    expect(governor.collections).toBe(settled);
  } finally {
    governor.stop();
  }
});

import { expect, test } from "bun:test";
import { heapSize } from "bun:jsc";
import { startMemoryGovernor } from "../src/core/gc.ts";

test("memory governor: collects once the heap has grown by half since the last collection, and not while it stays put", async () => {
  Bun.gc(true);
  const governor = startMemoryGovernor(10, 1024 * 1024);
  try {
    // Grow the heap well past half again of what it holds now (in a whole test run, other files may
    // have left it large: 64 MiB was not always half of it — a CI run failed that way).
    const mib = Math.max(64, Math.ceil(heapSize() / 1024 / 1024) + 16);
    let held: Uint8Array[] | null = Array.from({ length: mib }, () => new Uint8Array(1024 * 1024));
    const deadline = Date.now() + 2000;
    while (governor.collections === 0 && Date.now() < deadline) await Bun.sleep(10);
    expect(governor.collections).toBeGreaterThan(0);
    expect(held.length).toBe(mib);
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

// The file of each cloud engine's cluster run (e2e/cluster-<engine>.test.ts): the run itself is
// e2e/engines/cluster-cloud.isolated.ts, in a network namespace of its own.
import { describe, expect, test } from "bun:test";
import { isolationUnavailable, runIsolatedSuite } from "./isolated.ts";
import { requires } from "./requires.ts";
import { EXTERNAL_ENDPOINT } from "./server.ts";

export function clusterCloudFile(engine: string, title: string, unavailable: () => string | undefined): void {
  const nested = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_METADATA_ENGINE || !!process.env.BLEEPSTORE_STORAGE_BACKEND;
  const missing = nested ? true : !requires(`the ${engine} cluster run's network namespace and emulator`, isolationUnavailable() ?? unavailable());
  describe.skipIf(missing)(title, () => {
    test("two nodes: cross-node reads, jobs, and a fault run with a node killed", async () => {
      const { code, summary, output } = await runIsolatedSuite(["./e2e/engines/cluster-cloud.isolated.ts"], { BLEEPSTORE_TEST_CLUSTER_ENGINE: engine }, `cluster ${engine}`);
      console.log(output.split("\n").filter((l) => /^\((pass|fail|skip)\)|fault run:|"level":"error"/.test(l)).map((l) => `  [isolated] ${l}`).join("\n"));
      expect(summary).toMatch(/^ 0 fail$/m);
      expect(summary).toMatch(/^ [1-9]\d* pass$/m);
      expect(code).toBe(0);
    });
  });
}

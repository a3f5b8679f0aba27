// One top-level test file per cloud metadata engine (e2e/cloud-*.test.ts) runs its part of
// e2e/engines/cloud.isolated.ts (and any other `*.isolated.ts` file) in a network namespace of its
// own, and reports each case inside by name.
import { describe, expect, test } from "bun:test";
import { dynamoDbLocalUnavailable } from "./dynamodb-local.ts";
import { isolationUnavailable, runIsolatedSuite } from "./isolated.ts";
import { requires } from "./requires.ts";
import { EXTERNAL_ENDPOINT } from "./server.ts";

/** Inside a nested run (or against another server or binary run) these are not repeated. */
const nested = !!EXTERNAL_ENDPOINT || !!process.env.BLEEPSTORE_BINARY || !!process.env.BLEEPSTORE_METADATA_ENGINE || !!process.env.BLEEPSTORE_STORAGE_BACKEND;

export function cloudEngineSuite(engine: "dynamodb" | "firestore" | "cosmos" | "migration", title: string, extraFiles: string[] = []): void {
  const needsJar = engine === "dynamodb" || engine === "migration";
  const missing = nested ? true : !requires(`the ${engine} e2e run's network namespace${needsJar ? " and DynamoDB Local" : ""}`,
    isolationUnavailable() ?? (needsJar ? dynamoDbLocalUnavailable() : undefined));
  describe.skipIf(missing)(`metadata engine ${engine} on its emulator`, () => {
    test(title, async () => {
      const { code, summary, output } = await runIsolatedSuite([...extraFiles, "./e2e/engines/cloud.isolated.ts"], { BLEEPSTORE_TEST_CLOUD_ENGINE: engine }, `cloud ${engine}`);
      // Every case by name, so the run's log shows what was tested inside.
      console.log(output.split("\n").filter((l) => /^\((pass|fail|skip)\)/.test(l)).map((l) => `  [isolated] ${l}`).join("\n"));
      expect(summary).toMatch(/^ 0 fail$/m);
      expect(summary).toMatch(/^ [1-9]\d* pass$/m);
      expect(code).toBe(0);
    });
  });
}

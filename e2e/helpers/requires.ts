// What a test file needs from the machine (a client, a browser, an emulator, root). Missing, its tests
// are skipped with a warning naming what to install; but where .ci/run installed everything
// (BLEEPSTORE_TEST_REQUIRE_ALL=1), a missing piece is a failing test of its own, so that a CI run can
// never look green while a suite quietly did not run.
import { test } from "bun:test";

export const REQUIRE_ALL = process.env.BLEEPSTORE_TEST_REQUIRE_ALL === "1";

/**
 * Call at a test file's top level. `missing`: undefined when present, else why not (what to install).
 * Returns whether it is present.
 */
export function requires(what: string, missing: string | undefined): boolean {
  if (missing === undefined) return true;
  if (REQUIRE_ALL) {
    test(`${what} is present (BLEEPSTORE_TEST_REQUIRE_ALL=1: CI installed everything)`, () => {
      throw new Error(`${what}: ${missing}`);
    });
  } else {
    console.warn(`${what}: tests skipped: ${missing}`);
  }
  return false;
}

/** `missing` for requires(): undefined when `ok`, else `why`. */
export const unless = (ok: boolean, why: string): string | undefined => (ok ? undefined : why);

// Waiting for a condition instead of sleeping a fixed time: a loaded machine takes longer, never
// fails for it (within the deadline), and an idle one goes on at once.

/** Resolves once `condition()` holds; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await Bun.sleep(20);
  }
}

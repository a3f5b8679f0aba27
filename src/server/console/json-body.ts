// The console API's JSON in and out: answers (never cached: they are one session's), refusals in words,
// and request bodies as an object of the named fields (each still to be checked by its caller).

/** A JSON answer; never stored by a cache. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });

/** A refusal, in words. */
export const refused = (status: number, error: string): Response => json({ error }, status);

/** The body's named fields (unknown until checked), or a 400 Response saying what the body must be. */
export async function jsonFields<K extends string>(request: Request, names: readonly K[]): Promise<Partial<Record<K, unknown>> | Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return refused(400, `The body must be JSON: {${names.map((n) => `"${n}"`).join(", ")}}.`);
  }
  return body as Partial<Record<K, unknown>>;
}

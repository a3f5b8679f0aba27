// The console API's JSON request bodies: an object of the named fields (each still to be checked by
// its caller), or the 400 answer that names them.

/** The body's named fields (unknown until checked), or a 400 Response saying what the body must be. */
export async function jsonFields<K extends string>(request: Request, names: readonly K[]): Promise<Partial<Record<K, unknown>> | Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    body = undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return Response.json({ error: `The body must be JSON: {${names.map((n) => `"${n}"`).join(", ")}}.` }, { status: 400 });
  }
  return body as Partial<Record<K, unknown>>;
}

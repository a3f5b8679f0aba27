// Console sessions: a signed-in access key, carried by an HttpOnly cookie. A session is a token signed
// with a key derived from the master key (so every node of a cluster, which shares that key, accepts
// it): the access key, an expiry and a random id. Signing out revokes the id in the metadata engine
// (read on every use, so on every node at once); a key revoked or changed ends its sessions too, since
// every request looks the key up again. State-changing calls also carry a CSRF token derived from the
// session id, which a page on another origin cannot read. A sign-out's record is removed once its
// session has expired (prune, hourly).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { MetadataStore } from "../../metadata/store.ts";

export const COOKIE = "bleepstore_console";
const DAY_MS = 24 * 3600 * 1000;

export interface Session {
  accessKey: string;
  /** Milliseconds since the epoch. */
  expires: number;
  id: string;
  csrf: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString("base64url");
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export class ConsoleSessions {
  private readonly key: Buffer;

  constructor(master: Buffer, private readonly metadata: MetadataStore, readonly ttlMs = DAY_MS / 2) {
    this.key = createHmac("sha256", master).update("bleepstore console sessions").digest();
  }

  private mac(text: string): string {
    return b64(createHmac("sha256", this.key).update(text).digest());
  }

  /** A new session of `accessKey`, and its cookie's value. */
  issue(accessKey: string): { session: Session; token: string } {
    const id = b64(randomBytes(18));
    const expires = Date.now() + this.ttlMs;
    const payload = b64(JSON.stringify({ ak: accessKey, exp: expires, id }));
    return { session: { accessKey, expires, id, csrf: this.mac(`csrf.${id}`) }, token: `${payload}.${this.mac(payload)}` };
  }

  /** The session a cookie value names: signed by us, not expired, not signed out; else null. */
  async verify(token: string | undefined): Promise<Session | null> {
    const [payload, mac, extra] = (token ?? "").split(".");
    if (!payload || !mac || extra !== undefined || !same(mac, this.mac(payload))) return null;
    let parsed: { ak?: unknown; exp?: unknown; id?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return null;
    }
    const { ak, exp, id } = parsed;
    if (typeof ak !== "string" || typeof exp !== "number" || typeof id !== "string" || exp <= Date.now()) return null;
    if ((await this.metadata.getRecord("console-revoked", id)) !== null) return null;
    return { accessKey: ak, expires: exp, id, csrf: this.mac(`csrf.${id}`) };
  }

  /** Signs a session out, on every node. */
  async revoke(session: Session): Promise<void> {
    await this.metadata.putRecord("console-revoked", session.id, JSON.stringify({ until: session.expires }), null);
  }

  /**
   * Removes the sign-out records of sessions that have expired anyway (their cookies are refused for
   * their age); each removal is a compare-and-delete, so nodes doing it at once do no harm. How many.
   */
  async prune(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const { id, value } of await this.metadata.listRecords("console-revoked")) {
      const until = (JSON.parse(value) as { until?: number }).until ?? 0;
      if (until < now && (await this.metadata.deleteRecord("console-revoked", id, value))) removed++;
    }
    return removed;
  }

  csrfMatches(session: Session, given: string | null): boolean {
    return given !== null && same(given, session.csrf);
  }
}

/** Who may try to sign in: failed sign-ins counted per client address. */
export interface SignInGate {
  blocked(address: string): boolean;
  failed(address: string): void;
  succeeded(address: string): void;
}

/** Failed sign-ins per client address: after `limit` in `windowMs`, refused until the window passes (per node). */
export class SignInLimiter implements SignInGate {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit = 5, private readonly windowMs = 60_000) {}

  blocked(address: string): boolean {
    return this.recent(address).length >= this.limit;
  }

  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(Date.now());
    this.failures.set(address, recent);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const since = Date.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((t) => t > since);
  }
}

// A webhook: each message POSTed as JSON to a URL, one at a time in order; a 2xx answer is the
// confirmation. With a secret, X-BleepStore-Signature carries sha256=<hex HMAC-SHA256 of the body>,
// so the receiver can tell the events are ours; X-BleepStore-Event-Id is the idempotency key.
import { safeUrl, type OutMessage, type QueueTarget, type TargetOptions } from "./target.ts";

export function signature(secret: string, body: string): string {
  return `sha256=${new Bun.CryptoHasher("sha256", secret).update(body).digest("hex")}`;
}

export class WebhookTarget implements QueueTarget {
  readonly kind = "webhook" as const;
  readonly where: string;
  private ok = false;

  constructor(private readonly options: TargetOptions) {
    this.where = safeUrl(options.url);
  }

  async connect(): Promise<void> {
    // Nothing to open: the first POST tells.
  }

  async publish(messages: OutMessage[]): Promise<void> {
    for (const m of messages) {
      const headers: Record<string, string> = { "content-type": "application/json", "x-bleepstore-event-id": m.id, "x-bleepstore-event-type": m.type };
      if (this.options.secret) headers["x-bleepstore-signature"] = signature(this.options.secret, m.body);
      let res: Response;
      try {
        res = await fetch(this.options.url, { method: "POST", headers, body: m.body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000), redirect: "manual" });
      } catch (err) {
        this.ok = false;
        throw err;
      }
      await res.arrayBuffer().catch(() => undefined);
      this.ok = res.status >= 200 && res.status < 300;
      if (!this.ok) throw new Error(`webhook answered ${res.status}`);
    }
  }

  connected(): boolean {
    return this.ok;
  }

  async close(): Promise<void> {}
}

// etcd v3 through its JSON gateway (/v3/kv/range, /v3/kv/txn, /v3/lease/*, /v3/auth/authenticate) with
// Bun's fetch: no client package, nothing loaded unless metadata.engine is etcd. Keys and values are
// bytes (base64 on the wire), int64s are strings. Requests go to the first endpoint that answers; a
// connection error moves to the next. With a user and password, a token from /v3/auth/authenticate
// rides on every request and is renewed when etcd says it expired. Reads are linearizable unless
// `serializable` is set (then any member answers from its own state, possibly behind the leader).
import { S3Error } from "../errors.ts";
import { Limiter } from "./limiter.ts";
import { Remakes } from "./races.ts";

/** Requests to etcd at once; more wait their turn in the process (a burst of 10,000 parts). */
const MAX_IN_FLIGHT = 64;

const enc = new TextEncoder();
const dec = new TextDecoder();
export const b64 = (s: string | Uint8Array) => Buffer.from(typeof s === "string" ? enc.encode(s) : s).toString("base64");
const unb64 = (s: string | undefined) => (s === undefined ? "" : dec.decode(Buffer.from(s, "base64")));

export interface EtcdOptions {
  endpoints: string[];
  username?: string;
  password?: string;
  /** Serializable reads (any member, maybe stale) instead of linearizable ones. */
  serializable?: boolean;
  timeoutMs?: number;
}

export interface KV {
  key: string;
  value: string;
  modRevision: number;
  createRevision: number;
}

/** A condition of a transaction: the key's mod or create revision equal to (or, `greater`, above) a number. */
export interface Compare {
  key: string;
  target: "MOD" | "CREATE";
  revision: number;
  greater?: boolean;
}

export type Op =
  | { put: { key: string; value: string; lease?: string } }
  | { del: { key: string; /** Every key starting with `key`. */ prefix?: boolean } };

const remakes = new Remakes<Op>();

/** A put that only goes where its key is free; `make` is called again for a new key when it is not. */
export const renumberable = (make: () => Op): Op => remakes.make(make);

/** Raw byte keys (prefixEnd may not be valid UTF-8): ranges are given as bytes. */
function endBytes(prefix: string): string {
  const bytes = enc.encode(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i]! += 1;
      return Buffer.from(end).toString("base64");
    }
  }
  return Buffer.from([0]).toString("base64");
}

export class EtcdError extends Error {}

interface RawKV { key: string; value?: string; mod_revision?: string; create_revision?: string }

export class EtcdClient {
  private current = 0;
  private token: string | undefined;
  private readonly limiter = new Limiter(MAX_IN_FLIGHT);

  constructor(private readonly options: EtcdOptions) {
    if (options.endpoints.length === 0) throw new Error("metadata.etcd.endpoints must name at least one endpoint");
  }

  /** Where requests go now, for errors and logs (never credentials). */
  get endpoint(): string {
    return this.options.endpoints[this.current]!;
  }

  private async authenticate(base: string): Promise<void> {
    const res = await fetch(`${base}/v3/auth/authenticate`, {
      method: "POST", body: JSON.stringify({ name: this.options.username, password: this.options.password }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const body = (await res.json()) as { token?: string; error?: string; message?: string };
    if (!res.ok || !body.token) throw new EtcdError(`etcd refused the user ${this.options.username}: ${body.message ?? body.error ?? res.status}`);
    this.token = body.token;
  }

  /** One call, on the first endpoint that answers. */
  call<T>(path: string, body: unknown): Promise<T> {
    return this.limiter.run(() => this.send<T>(path, body));
  }

  private async send<T>(path: string, body: unknown): Promise<T> {
    let lastError: unknown;
    for (let tried = 0; tried < this.options.endpoints.length; tried++) {
      const base = this.options.endpoints[this.current]!.replace(/\/+$/, "");
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          if (this.options.username && !this.token) await this.authenticate(base);
          const res = await fetch(`${base}${path}`, {
            method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
            headers: { "content-type": "application/json", ...(this.token ? { authorization: this.token } : {}) },
          });
          const text = await res.text();
          const parsed = text ? (JSON.parse(text) as T & { error?: string; message?: string; code?: number }) : ({} as T & { error?: string; message?: string; code?: number });
          if (res.ok) return parsed;
          const message = parsed.message ?? parsed.error ?? `HTTP ${res.status}`;
          if (/invalid auth token|token.*expired/i.test(message) && attempt === 0) {
            this.token = undefined;
            continue;
          }
          // No leader (an election), a timeout, an overloaded member — etcd's 5xx: another member, or this
          // one again shortly; if none answers, the request is 503 and changed nothing.
          if (res.status >= 500 || /leader|unavailable|timed out|too many requests/i.test(message)) throw new EtcdError(message);
          throw new S3Error("InternalError", { message: `etcd refused a request: ${message}` });
        }
      } catch (err) {
        if (err instanceof S3Error) throw err;
        lastError = err;
        this.current = (this.current + 1) % this.options.endpoints.length;
        this.token = undefined;
      }
    }
    throw new S3Error("ServiceUnavailable", { message: `The metadata store (etcd) cannot be reached: ${(lastError as Error)?.message ?? lastError}`, cause: lastError });
  }

  private kvs(raw: RawKV[] | undefined): KV[] {
    return (raw ?? []).map((k) => ({ key: unb64(k.key), value: unb64(k.value), modRevision: Number(k.mod_revision ?? 0), createRevision: Number(k.create_revision ?? 0) }));
  }

  async get(key: string): Promise<KV | undefined> {
    const r = await this.call<{ kvs?: RawKV[] }>("/v3/kv/range", {
      key: b64(key), ...(this.options.serializable ? { serializable: true } : {}),
    });
    return this.kvs(r.kvs)[0];
  }

  /** Keys under `prefix` in byte order from `from` (inclusive unless `after`), at most `limit` (0: all). */
  async range(prefix: string, options: { from?: string; after?: boolean; limit?: number; keysOnly?: boolean; linearizable?: boolean } = {}): Promise<{ kvs: KV[]; more: boolean }> {
    const start = options.from === undefined ? prefix : options.after ? `${options.from}\0` : options.from;
    const r = await this.call<{ kvs?: RawKV[]; more?: boolean }>("/v3/kv/range", {
      key: b64(start), range_end: endBytes(prefix), limit: String(options.limit ?? 0),
      ...(options.keysOnly ? { keys_only: true } : {}),
      ...(this.options.serializable && !options.linearizable ? { serializable: true } : {}),
    });
    return { kvs: this.kvs(r.kvs), more: r.more === true };
  }

  /** Several keys read at one revision (a transaction of reads): the value of each, or undefined. */
  async getMany(keys: string[]): Promise<Array<KV | undefined>> {
    const r = await this.call<{ responses?: Array<{ response_range?: { kvs?: RawKV[] } }> }>("/v3/kv/txn", {
      success: keys.map((key) => ({ request_range: { key: b64(key), ...(this.options.serializable ? { serializable: true } : {}) } })),
    });
    return keys.map((_, i) => this.kvs(r.responses?.[i]?.response_range?.kvs)[0]);
  }

  /** Every key under `prefix`, in pages. */
  async *all(prefix: string, keysOnly = false): AsyncGenerator<KV> {
    let from: string | undefined;
    for (;;) {
      const page = await this.range(prefix, { ...(from !== undefined ? { from, after: true } : {}), limit: 500, keysOnly });
      yield* page.kvs;
      if (!page.more || page.kvs.length === 0) return;
      from = page.kvs[page.kvs.length - 1]!.key;
    }
  }

  /**
   * One transaction: when every compare holds, the ops; resolves with whether it did. A put made by
   * `renumberable` goes only where its key is free: when another node took the key (an outbox
   * position), it is made again and the transaction sent again, at once.
   */
  async txn(compares: Compare[], ops: Op[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const fresh = ops.filter((op) => remakes.has(op)).map((op) => (op as { put: { key: string } }).put.key);
      const r = await this.call<{ succeeded?: boolean; responses?: Array<{ response_range?: { count?: string } }> }>("/v3/kv/txn", {
        compare: [...compares, ...fresh.map((key): Compare => ({ key, target: "CREATE", revision: 0 }))].map((c) => ({
          key: b64(c.key), target: c.target, result: c.greater ? "GREATER" : "EQUAL",
          ...(c.target === "MOD" ? { mod_revision: String(c.revision) } : { create_revision: String(c.revision) }),
        })),
        success: ops.map((op) => ("put" in op
          ? { request_put: { key: b64(op.put.key), value: b64(op.put.value), ...(op.put.lease ? { lease: op.put.lease } : {}) } }
          : { request_delete_range: { key: b64(op.del.key), ...(op.del.prefix ? { range_end: endBytes(op.del.key) } : {}) } })),
        // On failure, whether those keys were taken (the other compares are the caller's to judge).
        failure: fresh.map((key) => ({ request_range: { key: b64(key), count_only: true } })),
      });
      if (r.succeeded === true) return true;
      const taken = new Set(fresh.filter((_, i) => Number(r.responses?.[i]?.response_range?.count ?? 0) > 0));
      if (taken.size === 0 || attempt >= 100) return false;
      ops = ops.map((op) => ("put" in op && taken.has(op.put.key) && remakes.has(op) ? remakes.again(op) : op));
    }
  }

  /** The members and which one leads, as the member answering sees it (no quorum: an error). */
  async clusterState(): Promise<{ members: Array<{ id: string; name: string; clientURLs: string[] }>; leader: string }> {
    const list = await this.call<{ members?: Array<{ ID?: string; name?: string; clientURLs?: string[] }> }>("/v3/cluster/member/list", {});
    const status = await this.call<{ leader?: string }>("/v3/maintenance/status", {});
    return {
      members: (list.members ?? []).map((m) => ({ id: m.ID ?? "", name: m.name ?? "", clientURLs: m.clientURLs ?? [] })),
      leader: status.leader ?? "",
    };
  }

  async leaseGrant(ttlSeconds: number): Promise<string> {
    const r = await this.call<{ ID?: string }>("/v3/lease/grant", { TTL: String(ttlSeconds) });
    if (!r.ID) throw new EtcdError("etcd granted no lease");
    return r.ID;
  }

  async leaseKeepAlive(id: string): Promise<boolean> {
    const r = await this.call<{ result?: { TTL?: string } }>("/v3/lease/keepalive", { ID: id });
    return Number(r.result?.TTL ?? 0) > 0;
  }

  async leaseRevoke(id: string): Promise<void> {
    await this.call("/v3/lease/revoke", { ID: id }).catch(() => undefined);
  }
}

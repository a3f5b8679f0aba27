// Key pairs: each access key owns its own buckets. The admin API creates, lists and revokes them.
import { TtlCache } from "../ttl-cache.ts";
import { keyPolicy } from "./policy/document.ts";
import { CACHE_TTL_MS } from "./buckets.ts";
import { S3Error } from "../errors.ts";
import type { Credential } from "../metadata/store.ts";
import type { EngineContext } from "./context.ts";
import { newEvent } from "./events.ts";

const ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomFrom(alphabet: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** The canonical user id S3 shows for an access key's owner: stable, 64 hex characters. */
export function ownerIdFor(accessKey: string): string {
  return new Bun.CryptoHasher("sha256").update(`bleepstore-owner:${accessKey}`).digest("hex");
}

export interface NewCredential {
  accessKey?: string;
  secretKey?: string;
  displayName?: string;
  /** A built-in policy's name or policy JSON that limits the key (none: it is not limited). */
  policy?: string;
}

const CACHE_LIMIT = 10_000;

export class Credentials {
  /** Every signed request looks its key up; pairs change only through this class (or forget()). */
  private readonly cache: TtlCache<string, Credential | null>;
  /** Bumped by every change, so a lookup that overlapped one does not cache what it read. */
  private generation = 0;

  constructor(private readonly ctx: EngineContext) {
    this.cache = new TtlCache(CACHE_LIMIT, ctx.cacheTtlMs ?? CACHE_TTL_MS, ctx.changes);
  }

  /** The key pair for an access key, or null; cached, including misses. */
  async get(accessKey: string): Promise<Credential | null> {
    const hit = this.cache.get(accessKey);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    const found = await this.ctx.metadata.getCredential(accessKey);
    if (generation === this.generation) this.cache.set(accessKey, found);
    return found;
  }

  /** Drops cached pairs after a change made around this class (a metadata import, a re-seed). */
  forget(): void {
    this.generation++;
    this.cache.clear();
  }

  async create(input: NewCredential = {}): Promise<Credential> {
    const accessKey = input.accessKey ?? `BS${randomFrom(ALPHANUM, 18)}`;
    if (!/^[A-Za-z0-9._-]{3,128}$/.test(accessKey)) {
      throw new S3Error("InvalidArgument", { message: "An access key is 3 to 128 letters, digits, '.', '_' or '-'." });
    }
    if (await this.ctx.metadata.getCredential(accessKey)) {
      throw new S3Error("InvalidArgument", { message: `The access key ${accessKey} already exists.` });
    }
    const secretKey = input.secretKey ?? Buffer.from(crypto.getRandomValues(new Uint8Array(30))).toString("base64url");
    if (secretKey.length < 8) throw new S3Error("InvalidArgument", { message: "A secret key has at least 8 characters." });
    if (input.policy !== undefined) keyPolicy(input.policy);
    const credential: Credential = {
      accessKey,
      secretKey,
      owner: { id: ownerIdFor(accessKey), displayName: input.displayName ?? accessKey },
      createdAt: Date.now(),
      ...(input.policy !== undefined ? { policy: input.policy } : {}),
    };
    await this.ctx.metadata.putCredential(credential, [newEvent("credential.created", { accessKey })]);
    this.ctx.publish();
    this.forget();
    return credential;
  }

  /** Sets (checked first) or clears a key's own policy; false if there is no such key. */
  async setPolicy(accessKey: string, policy: string | null): Promise<boolean> {
    if (policy !== null) keyPolicy(policy);
    const current = await this.ctx.metadata.getCredential(accessKey);
    if (!current) return false;
    const { policy: _old, ...rest } = current;
    await this.ctx.metadata.putCredential(policy === null ? rest : { ...rest, policy }, [newEvent("credential.updated", { accessKey })]);
    this.ctx.publish();
    this.forget();
    return true;
  }

  /** Disables a key (it authenticates nothing, and is kept) or enables it again; false if there is no such key. */
  async setDisabled(accessKey: string, disabled: boolean): Promise<boolean> {
    const current = await this.ctx.metadata.getCredential(accessKey);
    if (!current) return false;
    const { disabled: _was, ...rest } = current;
    await this.ctx.metadata.putCredential(disabled ? { ...rest, disabled: true } : rest, [newEvent("credential.updated", { accessKey, disabled })]);
    this.ctx.publish();
    this.forget();
    return true;
  }

  list(): Promise<Credential[]> {
    return this.ctx.metadata.listCredentials();
  }

  async revoke(accessKey: string): Promise<boolean> {
    this.forget();
    const removed = await this.ctx.metadata.deleteCredential(accessKey, [newEvent("credential.deleted", { accessKey })]);
    this.ctx.publish();
    this.forget();
    return removed;
  }
}

// The engine: everything BleepStore does with buckets and objects, with no knowledge of HTTP.
// Start-up recovery lives here too, since every start is a recovery.
import type { Logger } from "../log.ts";
import type { Credential, MetadataStore } from "../metadata/store.ts";
import type { StorageBackend } from "../storage/backend.ts";
import { Buckets } from "./buckets.ts";
import { Acls } from "./acls.ts";
import type { EngineContext } from "./context.ts";
import { Copier } from "./copy.ts";
import { Listing } from "./listing.ts";
import { Objects } from "./objects.ts";

export interface EngineOptions {
  metadata: MetadataStore;
  storage: StorageBackend;
  region: string;
  log: Logger;
  /** Key pairs to make sure exist (seeded from config on every start). */
  credentials?: Array<{ accessKey: string; secretKey: string }>;
}

/** The canonical user id S3 shows for an access key's owner: stable, 64 hex characters. */
export function ownerIdFor(accessKey: string): string {
  return new Bun.CryptoHasher("sha256").update(`bleepstore-owner:${accessKey}`).digest("hex");
}

export class Engine {
  readonly buckets: Buckets;
  readonly objects: Objects;
  readonly listing: Listing;
  readonly copier: Copier;
  readonly acls: Acls;
  readonly metadata: MetadataStore;
  readonly storage: StorageBackend;
  private readonly ctx: EngineContext;

  constructor(private readonly options: EngineOptions) {
    this.ctx = {
      metadata: options.metadata,
      storage: options.storage,
      region: options.region,
      log: options.log,
      knownUser: async (id) => (await options.metadata.listCredentials()).find((c) => c.owner.id === id)?.owner ?? null,
    };
    this.metadata = options.metadata;
    this.storage = options.storage;
    this.buckets = new Buckets(this.ctx);
    this.objects = new Objects(this.ctx, this.buckets);
    this.listing = new Listing(this.ctx, this.buckets);
    this.copier = new Copier(this.ctx, this.buckets, this.objects);
    this.acls = new Acls(this.ctx, this.buckets);
  }

  /** Recovery: open and migrate metadata, clear storage temp files, seed credentials. */
  async start(): Promise<void> {
    await this.metadata.init();
    await this.storage.init();
    for (const { accessKey, secretKey } of this.options.credentials ?? []) {
      const existing = await this.metadata.getCredential(accessKey);
      const credential: Credential = {
        accessKey,
        secretKey,
        owner: existing?.owner ?? { id: ownerIdFor(accessKey), displayName: accessKey },
        createdAt: existing?.createdAt ?? Date.now(),
      };
      await this.metadata.putCredential(credential);
    }
  }

  async stop(): Promise<void> {
    await this.storage.close();
    await this.metadata.close();
  }

  /** The key pair for an access key (used by request authentication). */
  credential(accessKey: string): Promise<Credential | null> {
    return this.metadata.getCredential(accessKey);
  }
}

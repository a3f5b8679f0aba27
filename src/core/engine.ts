// The engine: everything BleepStore does with buckets and objects, with no knowledge of HTTP.
// Start-up recovery lives here too, since every start is a recovery.
import type { ChangeEpoch } from "../change-epoch.ts";
import type { Logger } from "../log.ts";
import type { Credential, MetadataStore } from "../metadata/store.ts";
import type { StorageBackend } from "../storage/backend.ts";
import { Buckets } from "./buckets.ts";
import { Acls } from "./acls.ts";
import type { EngineContext } from "./context.ts";
import { Copier } from "./copy.ts";
import { Credentials, ownerIdFor } from "./credentials.ts";
import { Listing } from "./listing.ts";
import { Multipart } from "./multipart.ts";
import { Objects } from "./objects.ts";
import { cleanupLeftovers } from "./cleanup.ts";
import { EventDispatcher } from "./events.ts";
import { Notifications } from "./notifications.ts";
import { AccessSettings, Policies } from "./policies.ts";
import { Lifecycle } from "./lifecycle.ts";
import { Encryption } from "./sse.ts";
import { KeyManager } from "./kms.ts";
import { ObjectLock } from "./object-lock.ts";
import { Tagging } from "./tagging.ts";
import { ScanProgress } from "./lifecycle-progress.ts";
import { AccessLogging } from "./access-logging.ts";

export interface EngineOptions {
  metadata: MetadataStore;
  storage: StorageBackend;
  region: string;
  log: Logger;
  /** Key pairs to make sure exist (seeded from config on every start). */
  credentials?: Array<{ accessKey: string; secretKey: string }>;
  /** Multipart uploads older than this are reaped at start-up (default 7 days). */
  uploadTtlMs?: number;
  /** The master key that wraps SSE-S3 data keys (32 bytes); without one, SSE-S3 is refused. */
  masterKey?: Buffer;
  /** The ids of the configured notification targets (notifications.targets): what bucket rules may name. */
  notificationTargets?: string[];
  /** One lifecycle "day" in ms (lifecycle.day_seconds; 86,400 s unless tests or users shorten it). */
  lifecycleDayMs?: number;
  /** Where a full lifecycle pass keeps its position (a file beside the data), to resume after a crash. */
  lifecycleProgressPath?: string;
  /**
   * Several processes over one metadata engine (cluster nodes, or worker processes): whether this one
   * runs a background job now (one at a time). Without `changes`, the caches read through (another
   * node may change any entry).
   */
  cluster?: { leads(job: string): Promise<boolean>; reconcileGraceMs: number };
  /** Worker processes sharing one database: the epoch every commit bumps, which keeps caches correct instead. */
  changes?: ChangeEpoch;
}

const DEFAULT_UPLOAD_TTL_MS = 7 * 24 * 3600 * 1000;

export { ownerIdFor };

export class Engine {
  readonly buckets: Buckets;
  /** The key manager (SSE-KMS): keys in the metadata engine, their state read on every use in a cluster. */
  readonly kms: KeyManager;
  readonly objects: Objects;
  readonly listing: Listing;
  readonly copier: Copier;
  readonly acls: Acls;
  readonly multipart: Multipart;
  readonly tagging: Tagging;
  readonly objectLock: ObjectLock;
  readonly credentials: Credentials;
  readonly notifications: Notifications;
  readonly policies: Policies;
  readonly access: AccessSettings;
  readonly logging: AccessLogging;
  readonly lifecycle: Lifecycle;
  /** The region buckets report (and notification ARNs carry). */
  readonly region: string;
  readonly metadata: MetadataStore;
  readonly storage: StorageBackend;
  /** Delivers the metadata engine's outbox to subscribers (caches, metrics; later queues). */
  readonly events: EventDispatcher;
  private readonly ctx: EngineContext;

  constructor(private readonly options: EngineOptions) {
    this.events = new EventDispatcher(options.metadata, options.log);
    // Only this node changes keys unless it is in a cluster: its own changes refresh what it keeps.
    this.kms = new KeyManager(options.metadata, options.masterKey ?? null, options.region, options.cluster && !options.changes ? 0 : 60_000, options.changes);
    this.ctx = {
      metadata: options.metadata,
      storage: options.storage,
      region: options.region,
      log: options.log,
      encryption: new Encryption(options.masterKey ?? null, this.kms),
      knownUser: async (id) => (await options.metadata.listCredentials()).find((c) => c.owner.id === id)?.owner ?? null,
      publish: () => this.events.kick(),
      lifecycleDayMs: options.lifecycleDayMs ?? 86_400_000,
      ...(options.changes ? { changes: options.changes } : options.cluster ? { cacheTtlMs: 0 } : {}),
    };
    if (options.cluster) {
      const cluster = options.cluster;
      this.events.gate(() => cluster.leads("events"));
    }
    this.metadata = options.metadata;
    this.region = options.region;
    this.storage = options.storage;
    this.buckets = new Buckets(this.ctx);
    this.objects = new Objects(this.ctx, this.buckets);
    this.listing = new Listing(this.ctx, this.buckets);
    this.copier = new Copier(this.ctx, this.buckets, this.objects);
    this.acls = new Acls(this.ctx, this.buckets);
    this.multipart = new Multipart(this.ctx, this.buckets, this.copier);
    this.credentials = new Credentials(this.ctx);
    this.tagging = new Tagging(this.ctx, this.buckets);
    this.objectLock = new ObjectLock(this.ctx, this.buckets);
    this.notifications = new Notifications(this.ctx, this.buckets, options.notificationTargets ?? []);
    this.policies = new Policies(this.ctx, this.buckets);
    this.access = new AccessSettings(this.ctx, this.buckets);
    this.logging = new AccessLogging(this.ctx, this.buckets);
    this.lifecycle = new Lifecycle(
      this.ctx, this.buckets, this.objects, this.multipart, this.ctx.lifecycleDayMs,
      options.lifecycleProgressPath ? new ScanProgress(options.lifecycleProgressPath) : undefined,
    );
    // Caches follow the changes they hold, whichever process made them (events), within a TTL at worst.
    this.events.subscribe((event) => {
      if (event.type.startsWith("bucket.")) this.buckets.forget(String(event.data.bucket));
      else if (event.type.startsWith("credential.")) this.credentials.forget();
    });
  }

  /**
   * Recovery: open and migrate metadata (SQLite replays its WAL), clear storage temp files, seed
   * credentials, reap expired multipart uploads. Run before serving.
   */
  async start(): Promise<void> {
    await this.metadata.init();
    await this.storage.init();
    for (const { accessKey, secretKey } of this.options.credentials ?? []) {
      const existing = await this.metadata.getCredential(accessKey);
      const credential: Credential = {
        // What else the pair holds (a policy) is kept; the configured key itself is never limited by config.
        ...existing,
        accessKey,
        secretKey,
        owner: existing?.owner ?? { id: ownerIdFor(accessKey), displayName: accessKey },
        createdAt: existing?.createdAt ?? Date.now(),
      };
      await this.metadata.putCredential(credential);
    }
    this.forgetCaches();
    // Events committed before a crash and not yet delivered go out now; clean-up a crash cut short is
    // finished. In a cluster the backlog may be every node's (a busy cluster's, when this node takes the
    // events job back at its restart): it goes out while this node serves, not before.
    if (this.options.cluster) void this.events.flush().catch((err: unknown) => this.options.log.warn("event delivery at start-up failed; it is tried again", { err }));
    else await this.events.flush();
    const cleaned = await cleanupLeftovers(this.ctx);
    if (cleaned > 0) this.options.log.info("finished interrupted multipart clean-up", { uploads: cleaned });
    if (!this.options.cluster || (await this.options.cluster.leads("reaper"))) {
      const reaped = await this.multipart.reapInitiatedBefore(Date.now() - (this.options.uploadTtlMs ?? DEFAULT_UPLOAD_TTL_MS));
      if (reaped > 0) this.options.log.info("reaped expired multipart uploads", { count: reaped });
    }
  }

  /**
   * Finishes interrupted clean-ups, then removes stored data no metadata refers to: what a crash left
   * between writing data and committing its metadata. Only data older than `startedAt` is considered,
   * since anything newer may belong to a request in flight; everything older was written by a process
   * that is gone. Safe to run while serving.
   */
  async reconcile(startedAt: number, everyWriterStartedSince = false): Promise<number> {
    // In a cluster another node may be between writing data and committing it at any moment: only data
    // older than cluster.reconcile_grace_seconds is considered, and only by the node that runs
    // reconciliation — unless every process that may be writing started after `startedAt` (the first
    // worker process at its first start: the others start after it).
    if (this.options.cluster) {
      if (!(await this.options.cluster.leads("reconcile"))) return 0;
      if (!everyWriterStartedSince) startedAt = Date.now() - this.options.cluster.reconcileGraceMs;
    }
    // Clean-ups a commit left unfinished (a node killed, or the metadata engine lost, right after it):
    // their parts' records still point at their data.
    const cleaned = await cleanupLeftovers(this.ctx);
    if (cleaned > 0) this.options.log.info("finished interrupted multipart clean-up", { uploads: cleaned });
    if (!this.storage.listStored) return 0;
    let removed = 0;
    for await (const { id, modified } of this.storage.listStored()) {
      if (modified >= startedAt || (await this.metadata.isStorageIdReferenced(id))) continue;
      await this.storage.delete(id);
      removed++;
    }
    return removed;
  }

  async stop(): Promise<void> {
    await this.storage.close();
    await this.metadata.close();
  }

  /** The key pair for an access key (used by request authentication); a disabled key has none. */
  async credential(accessKey: string): Promise<Credential | null> {
    const found = await this.credentials.get(accessKey);
    return found && !found.disabled ? found : null;
  }

  /** After metadata changed behind the engine's back (an import): drop what it caches. */
  forgetCaches(): void {
    this.credentials.forget();
    this.buckets.forget();
  }
}

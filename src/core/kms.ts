// The key manager inside the binary (SSE-KMS): keys created, listed, described, enabled, disabled,
// rotated and scheduled for deletion (by `bleepstore kms` and the admin API), and the data keys of
// SSE-KMS objects made and opened under them. Keys live in the metadata engine (kms-keys.ts), so every
// node of a cluster uses the same ones. A key's state is read from the engine on every use in a
// cluster (another node may have disabled it) and kept for cacheMs on a single node, whose own changes
// refresh it; a version's material never changes and is kept once unwrapped.
import { randomBytes } from "node:crypto";
import { S3Error } from "../errors.ts";
import type { MetadataStore } from "../metadata/store.ts";
import type { ChangeEpoch } from "../change-epoch.ts";
import { TtlCache } from "../ttl-cache.ts";
import {
  accountOf, bucketKeyOf, DEFAULT_ALIAS, defaultKeyId, materialOf, newVersion, notFound, parseKeyRef, unwrapDataKey, validAlias, wrapDataKey,
  type KeyInfo, type KeyRecord, type KeyVersion,
} from "./kms-keys.ts";

const DAY_MS = 24 * 3600 * 1000;

/** A data key made for a new object or upload, and what opens it again. */
export interface DataKey {
  keyId: string;
  version: number;
  dataKey: Buffer;
  wrapped: string;
}

export class KeyManager {
  private readonly records: TtlCache<string, KeyRecord>;
  private readonly materials = new Map<string, Buffer>();

  constructor(
    private readonly metadata: MetadataStore,
    private readonly master: Buffer | null,
    private readonly region: string,
    /** How long a key's state read from the engine is used (0: read on every use, as in a cluster). */
    cacheMs: number,
    /** Worker processes: a commit by any of them drops what is kept (change-epoch.ts). */
    changes?: ChangeEpoch,
  ) {
    this.records = new TtlCache(10_000, cacheMs, changes);
  }

  private account: string | undefined;

  arn(keyId: string): string {
    this.account ??= accountOf(this.masterKey());
    return `arn:aws:kms:${this.region}:${this.account}:key/${keyId}`;
  }

  async create(options: { description?: string; alias?: string } = {}): Promise<KeyInfo> {
    const master = this.masterKey();
    const alias = options.alias === undefined ? undefined : validAlias(options.alias);
    if (alias && (await this.metadata.getRecord("kms-alias", alias)) !== null) throw aliasTaken(alias);
    const keyId = crypto.randomUUID();
    const record: KeyRecord = { keyId, description: options.description ?? "", state: "Enabled", createdAt: Date.now(), versions: [newVersion(master, keyId, 1)] };
    await this.metadata.putRecord("kms-key", keyId, JSON.stringify(record), null);
    if (alias && !(await this.metadata.putRecord("kms-alias", alias, JSON.stringify({ keyId }), null))) {
      throw new S3Error("KMS.AlreadyExistsException", { message: `Alias ${alias} was taken meanwhile; key ${keyId} was created without it.` });
    }
    return this.info(record, alias ? [alias] : []);
  }

  async list(): Promise<KeyInfo[]> {
    const aliases = await this.aliases();
    const keys = (await this.metadata.listRecords("kms-key")).map((r) => JSON.parse(r.value) as KeyRecord).filter((r) => !gone(r));
    return keys.map((r) => this.info(r, aliases.get(r.keyId) ?? []));
  }

  async describe(ref: string): Promise<KeyInfo> {
    const record = await this.resolve(ref, true);
    return this.info(record, (await this.aliases()).get(record.keyId) ?? []);
  }

  enable(ref: string): Promise<KeyInfo> {
    return this.change(ref, (r) => {
      if (r.state === "PendingDeletion") throw invalidState(this.arn(r.keyId));
      return { ...r, state: "Enabled" };
    });
  }

  disable(ref: string): Promise<KeyInfo> {
    return this.change(ref, (r) => {
      if (r.managed) throw managed("disable");
      if (r.state === "PendingDeletion") throw invalidState(this.arn(r.keyId));
      return { ...r, state: "Disabled" };
    });
  }

  /** A new version encrypts from now on; the older ones still decrypt what they encrypted. */
  rotate(ref: string): Promise<KeyInfo> {
    return this.change(ref, (r) => {
      usable(r, this.arn(r.keyId));
      return { ...r, versions: [...r.versions, newVersion(this.masterKey(), r.keyId, r.versions.at(-1)!.v + 1)] };
    });
  }

  /** In `days` (7 to 30, as KMS allows) the key is gone; until then it is unusable and cancelDeletion restores it, disabled. */
  scheduleDeletion(ref: string, days = 30): Promise<KeyInfo> {
    if (!Number.isInteger(days) || days < 7 || days > 30) {
      throw new S3Error("InvalidArgument", { message: "The waiting period must be a whole number of days from 7 to 30." });
    }
    return this.change(ref, (r) => {
      if (r.managed) throw managed("schedule the deletion of");
      return { ...r, state: "PendingDeletion", deletionDate: Date.now() + days * DAY_MS };
    });
  }

  cancelDeletion(ref: string): Promise<KeyInfo> {
    return this.change(ref, (r) => {
      if (r.state !== "PendingDeletion") throw new S3Error("KMS.KMSInvalidStateException", { message: `Key ${this.arn(r.keyId)} is not pending deletion.` });
      const { deletionDate: _, ...rest } = r;
      return { ...rest, state: "Disabled" };
    });
  }

  /**
   * A new data key under `ref` (undefined: the default key, created on first use), wrapped with
   * `context` as AAD — under a bucket key derived for `bucketKey`'s bucket when given.
   */
  async newDataKey(ref: string | undefined, context: string, bucketKey?: string): Promise<DataKey> {
    const record = await this.usableKey(ref);
    const version = record.versions.at(-1)!;
    const dataKey = randomBytes(32);
    return { keyId: record.keyId, version: version.v, dataKey, wrapped: wrapDataKey(this.wrapKey(record.keyId, version, bucketKey), dataKey, context) };
  }

  /** Refuses, as newDataKey would, a key that cannot encrypt now (undefined: the default key). */
  async checkUsable(ref: string | undefined): Promise<void> {
    await this.usableKey(ref);
  }

  /** The key `ref` names (undefined: the default key), if it may be used now. */
  private async usableKey(ref: string | undefined): Promise<KeyRecord> {
    const record = ref === undefined ? await this.defaultKey() : await this.resolve(ref, false);
    usable(record, this.arn(record.keyId));
    return record;
  }

  /** The data key of a stored object or upload; refused while its key is disabled or pending deletion. */
  async openDataKey(ref: string, v: number, wrapped: string, context: string, bucketKey?: string): Promise<Buffer> {
    const record = await this.resolve(ref, false);
    usable(record, this.arn(record.keyId));
    const version = record.versions.find((x) => x.v === v);
    if (!version) throw notFound(`${ref} version ${v}`);
    return unwrapDataKey(this.wrapKey(record.keyId, version, bucketKey), wrapped, context);
  }

  private wrapKey(keyId: string, version: KeyVersion, bucket: string | undefined): Buffer {
    const id = `${keyId}/${version.v}`;
    let material = this.materials.get(id);
    if (!material) this.materials.set(id, (material = materialOf(this.masterKey(), keyId, version)));
    return bucket === undefined ? material : bucketKeyOf(material, bucket);
  }

  /** The AWS-managed default key (alias aws/s3): the same id on every node, created once by whichever gets there first. */
  private async defaultKey(): Promise<KeyRecord> {
    const keyId = defaultKeyId(this.masterKey(), this.region);
    const known = await this.read(keyId);
    if (known) return known;
    const record: KeyRecord = {
      keyId, description: "Default key that protects my S3 objects when no other key is defined", state: "Enabled", createdAt: Date.now(), managed: true,
      versions: [newVersion(this.masterKey(), keyId, 1)],
    };
    if (!(await this.metadata.putRecord("kms-key", keyId, JSON.stringify(record), null))) return (await this.read(keyId, true))!;
    await this.metadata.putRecord("kms-alias", DEFAULT_ALIAS, JSON.stringify({ keyId }), null);
    this.records.set(keyId, record);
    return record;
  }

  /** The key a reference names; `fresh` reads the engine whatever the cache holds. */
  private async resolve(ref: string, fresh: boolean): Promise<KeyRecord> {
    const parsed = parseKeyRef(ref);
    let keyId: string;
    if ("alias" in parsed) {
      if (parsed.alias === DEFAULT_ALIAS) return this.defaultKey();
      const alias = await this.metadata.getRecord("kms-alias", parsed.alias);
      if (alias === null) throw notFound(ref);
      keyId = (JSON.parse(alias) as { keyId: string }).keyId;
    } else {
      keyId = parsed.keyId;
    }
    const record = await this.read(keyId, fresh);
    if (!record) throw notFound(ref);
    if (gone(record)) {
      // Past its date: the material is destroyed (whichever node gets here first), the key unknown.
      if (record.versions.length > 0) await this.metadata.putRecord("kms-key", keyId, JSON.stringify({ ...record, versions: [] }), JSON.stringify(record));
      this.records.delete(keyId);
      throw notFound(ref);
    }
    return record;
  }

  private async read(keyId: string, fresh = false): Promise<KeyRecord | null> {
    const cached = fresh ? undefined : this.records.get(keyId);
    if (cached) return cached;
    const value = await this.metadata.getRecord("kms-key", keyId);
    if (value === null) return null;
    const record = JSON.parse(value) as KeyRecord;
    this.records.set(keyId, record);
    return record;
  }

  /** Read, change, swap; again when another writer (another node) changed the key meanwhile. */
  private async change(ref: string, next: (r: KeyRecord) => KeyRecord): Promise<KeyInfo> {
    for (;;) {
      const record = await this.resolve(ref, true);
      const updated = next(record);
      if (await this.metadata.putRecord("kms-key", record.keyId, JSON.stringify(updated), JSON.stringify(record))) {
        this.records.set(record.keyId, updated);
        return this.info(updated, (await this.aliases()).get(record.keyId) ?? []);
      }
    }
  }

  private async aliases(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const { id, value } of await this.metadata.listRecords("kms-alias")) {
      const { keyId } = JSON.parse(value) as { keyId: string };
      out.set(keyId, [...(out.get(keyId) ?? []), id]);
    }
    return out;
  }

  private info(r: KeyRecord, aliases: string[]): KeyInfo {
    return {
      keyId: r.keyId, arn: this.arn(r.keyId), aliases, description: r.description, state: r.state, createdAt: new Date(r.createdAt).toISOString(),
      ...(r.deletionDate !== undefined ? { deletionDate: new Date(r.deletionDate).toISOString() } : {}),
      managed: r.managed === true, versions: r.versions.length,
      ...(r.versions.length > 1 ? { rotatedAt: new Date(r.versions.at(-1)!.createdAt).toISOString() } : {}),
    };
  }

  private masterKey(): Buffer {
    if (!this.master) throw new S3Error("InternalError", { message: "No master key is configured: SSE-KMS needs one to protect its keys." });
    return this.master;
  }
}

/** A key past its deletion date: gone (its record stays, without material, so its id is never reused). */
const gone = (r: KeyRecord) => r.state === "PendingDeletion" && r.deletionDate !== undefined && r.deletionDate <= Date.now();

const disabled = (arn: string) => new S3Error("KMS.DisabledException", { message: `${arn} is disabled.` });
const invalidState = (arn: string) => new S3Error("KMS.KMSInvalidStateException", { message: `${arn} is pending deletion.` });
const managed = (what: string) => new S3Error("KMS.UnsupportedOperationException", { message: `You cannot ${what} the AWS managed key aws/s3.` });
const aliasTaken = (alias: string) => new S3Error("KMS.AlreadyExistsException", { message: `An alias with the name ${alias} already exists.` });

function usable(r: KeyRecord, arn: string): void {
  if (r.state === "Disabled") throw disabled(arn);
  if (r.state === "PendingDeletion") throw invalidState(arn);
}

// The key manager's records and crypto. A KMS key is a record of the metadata engine (kind "kms-key",
// by key id), so every node of a cluster sees the same keys: its state, and its versions' material —
// 32 random bytes each, AES-256-GCM-wrapped by the master key (the one SSE-S3 uses) with the key id
// and version as AAD, never stored or logged in clear. Rotation adds a version; old ones stay to
// decrypt what they encrypted. Aliases are records of kind "kms-alias" (alias/<name> → key id).
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { S3Error } from "../errors.ts";

export type KeyState = "Enabled" | "Disabled" | "PendingDeletion";

export interface KeyVersion {
  v: number;
  /** The material, wrapped by the master key: base64 iv ‖ ciphertext ‖ tag. */
  material: string;
  createdAt: number;
}

export interface KeyRecord {
  keyId: string;
  description: string;
  state: KeyState;
  createdAt: number;
  /** PendingDeletion: when the key is gone (its material with it). */
  deletionDate?: number;
  /** The default key S3 creates for aws:kms without a key id (alias aws/s3): AWS-managed, not disabled or deleted by hand. */
  managed?: boolean;
  versions: KeyVersion[];
}

/** What the admin API and `bleepstore kms` show of a key: never its material. */
export interface KeyInfo {
  keyId: string;
  arn: string;
  aliases: string[];
  description: string;
  state: KeyState;
  createdAt: string;
  deletionDate?: string;
  managed: boolean;
  /** How many versions (1 + rotations); the newest encrypts. */
  versions: number;
  rotatedAt?: string;
}

export const DEFAULT_ALIAS = "alias/aws/s3";
const ALIAS = /^alias\/[a-zA-Z0-9:/_-]{1,250}$/;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const notFound = (ref: string) => new S3Error("KMS.NotFoundException", { message: `Invalid keyId '${ref}'` });

/** A key reference as S3 takes one: a key id, a key ARN, an alias name or an alias ARN. */
export function parseKeyRef(ref: string): { keyId: string } | { alias: string } {
  const resource = ref.startsWith("arn:") ? ref.split(":").slice(5).join(":") : ref;
  if (resource.startsWith("key/") && KEY_ID.test(resource.slice(4))) return { keyId: resource.slice(4) };
  if (KEY_ID.test(resource)) return { keyId: resource };
  if (ALIAS.test(resource)) return { alias: resource };
  throw notFound(ref);
}

export function validAlias(alias: string): string {
  if (!ALIAS.test(alias) || alias.startsWith("alias/aws/")) {
    throw new S3Error("InvalidArgument", { message: `Alias ${alias} is not valid: alias/<name> with letters, digits, / _ - :, not under alias/aws/.` });
  }
  return alias;
}

/** The AWS-managed default key's id: one per region of an installation, the same on every node. */
export function defaultKeyId(master: Buffer, region: string): string {
  const h = createHash("sha256").update("bleepstore kms default key").update(master).update(region).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The installation's 12-digit account number in ARNs, from the master key (same on every node). */
export function accountOf(master: Buffer): string {
  return (BigInt(`0x${createHash("sha256").update("bleepstore account").update(master).digest("hex").slice(0, 15)}`) % 10n ** 12n)
    .toString().padStart(12, "0");
}

function seal(key: Buffer, plain: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const gcm = createCipheriv("aes-256-gcm", key, iv);
  gcm.setAAD(aad);
  return Buffer.concat([iv, gcm.update(plain), gcm.final(), gcm.getAuthTag()]).toString("base64");
}

/** Null when the tag does not verify (another key, another AAD, altered bytes). */
function unseal(key: Buffer, sealed: string, aad: Buffer): Buffer | null {
  const bytes = Buffer.from(sealed, "base64");
  if (bytes.length < 28) return null;
  const gcm = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
  gcm.setAAD(aad);
  gcm.setAuthTag(bytes.subarray(bytes.length - 16));
  try {
    return Buffer.concat([gcm.update(bytes.subarray(12, bytes.length - 16)), gcm.final()]);
  } catch {
    return null;
  }
}

const materialAad = (keyId: string, v: number) => Buffer.from(`bleepstore kms material ${keyId} ${v}`);

export function newVersion(master: Buffer, keyId: string, v: number): KeyVersion {
  return { v, material: seal(master, randomBytes(32), materialAad(keyId, v)), createdAt: Date.now() };
}

export function materialOf(master: Buffer, keyId: string, version: KeyVersion): Buffer {
  const material = unseal(master, version.material, materialAad(keyId, version.v));
  if (!material) throw new S3Error("InternalError", { message: "A KMS key's material cannot be unwrapped: the master key differs from the one it was created with." });
  return material;
}

/** Wraps a data key under a key version's material; `context` (canonical JSON) is the AAD. */
export const wrapDataKey = (material: Buffer, dataKey: Buffer, context: string) => seal(material, dataKey, Buffer.from(context));

export function unwrapDataKey(material: Buffer, wrapped: string, context: string): Buffer {
  const key = unseal(material, wrapped, Buffer.from(context));
  if (!key) throw new S3Error("AccessDenied", { message: "The object's data key cannot be decrypted with its KMS key and encryption context." });
  return key;
}

/** A bucket key (BucketKeyEnabled): derived from the key version's material for one bucket, wrapping that bucket's data keys. */
export const bucketKeyOf = (material: Buffer, bucket: string) => createHmac("sha256", material).update("bleepstore bucket key\0").update(bucket).digest();

/** The encryption context as bytes bound to a data key: keys sorted, JSON. */
export function canonicalContext(context: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

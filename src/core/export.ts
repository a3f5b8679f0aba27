// Metadata export and import in the family's JSON format (SPEC §12), built only on the MetadataStore
// interface, so every engine writes and reads the same document. Object bytes are not included: an
// export describes what the storage backend holds. Used by the admin API and `bleepstore meta`.
import type { MetadataStore, ObjectRecord, Owner } from "../metadata/store.ts";
import { S3Error } from "../errors.ts";
import { checkLock } from "../metadata/condition.ts";
import {
  EXPORT_SCHEMA_VERSION, EXPORT_VERSION, REDACTED, TABLES, bucketIn, bucketOut, credentialIn, credentialOut, objectIn,
  objectOut, partIn, partOut, uploadIn, uploadOut, type FamilyRecord, type Table,
} from "./export-format.ts";
import { MAX_PART_NUMBER } from "./multipart.ts";

export interface ExportOptions {
  /** The tables to write (default: all); a table left out is absent from the document. */
  tables?: readonly Table[];
  /** Write secret keys; otherwise each is "REDACTED". */
  includeCredentials?: boolean;
  /** Add the events not yet delivered (bleepstore_export.extra.undelivered_events); off, the family's format exactly. */
  includeEvents?: boolean;
  /** "typescript/<version>" */
  source: string;
}

/** Every version and delete marker of a bucket, each key's oldest first (import order rebuilds them). */
async function* versionsOf(store: MetadataStore, bucket: string): AsyncGenerator<ObjectRecord> {
  let keyMarker = "";
  let versionIdMarker = "";
  let run: ObjectRecord[] = [];
  for (;;) {
    const page = await store.listObjectVersions(bucket, { prefix: "", delimiter: "", keyMarker, versionIdMarker, maxKeys: 1000 });
    for (const v of page.versions) {
      const record = await store.getObject(bucket, v.key, v.versionId);
      if (!record) continue;
      if (run.length > 0 && run[0]!.key !== record.key) {
        yield* run.reverse();
        run = [];
      }
      run.push(record);
    }
    if (!page.isTruncated || page.nextKeyMarker === undefined) break;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker ?? "";
  }
  yield* run.reverse();
}

async function* uploadsOf(store: MetadataStore, bucket: string) {
  for (let after: { key: string; uploadId?: string } = { key: "", uploadId: "" }; ;) {
    const uploads = await store.listUploads(bucket, "", after, 1000);
    yield* uploads;
    const last = uploads.at(-1);
    if (uploads.length < 1000 || !last) return;
    after = { key: last.key, uploadId: last.uploadId };
  }
}

export async function exportMetadata(store: MetadataStore, options: ExportOptions): Promise<FamilyRecord> {
  const tables = new Set(options.tables ?? TABLES);
  const doc: Record<string, FamilyRecord | FamilyRecord[]> = {
    bleepstore_export: { version: EXPORT_VERSION, exported_at: new Date().toISOString(), schema_version: EXPORT_SCHEMA_VERSION, source: options.source },
  };
  const buckets = await store.listBuckets();
  const out = (t: Table) => (tables.has(t) ? (doc[t] = [] as FamilyRecord[]) : undefined);
  const [b, o, u, p, c] = TABLES.map(out);
  for (const bucket of buckets) {
    b?.push(bucketOut(bucket));
    if (o) for await (const v of versionsOf(store, bucket.name)) o.push(objectOut(v));
    if (!u && !p) continue;
    for await (const upload of uploadsOf(store, bucket.name)) {
      u?.push(uploadOut(upload));
      if (p) p.push(...(await store.listParts(upload.uploadId, 0, MAX_PART_NUMBER)).parts.map(partOut));
    }
  }
  if (c) c.push(...(await store.listCredentials()).map((cred) => credentialOut(cred, options.includeCredentials === true)));
  // Events committed and not yet delivered (a broker down at the time of the export), when asked for:
  // in the header's extra key, which other editions ignore, and absent when there are none.
  const undelivered = options.includeEvents ? await store.pendingEvents(1_000_000) : [];
  if (undelivered.length > 0) {
    (doc.bleepstore_export as FamilyRecord).extra = {
      undelivered_events: undelivered.map((e) => ({
        id: e.id, type: e.type, timestamp: new Date(e.timestamp).toISOString(), request_id: e.requestId, seq: e.seq, data: e.data,
      })),
    };
  }
  return doc as unknown as FamilyRecord;
}

export type ImportMode = "merge" | "replace";
export type ImportCounts = Record<Table, number> & { skipped: number };

/** Deletes every record of the tables the document carries, children first. Storage is untouched. */
async function clearTables(store: MetadataStore, present: Set<Table>, warn: (m: string) => void): Promise<void> {
  const buckets = await store.listBuckets();
  // Object Lock is never undone by an import: a replace that would drop a locked version changes nothing.
  if (present.has("objects")) {
    for (const bucket of buckets) {
      for await (const v of versionsOf(store, bucket.name)) {
        try {
          checkLock(v);
        } catch {
          throw new S3Error("InvalidRequest", {
            message: `Replacing the objects would delete version ${v.versionId} of ${bucket.name}/${v.key}, which is under Object Lock; nothing was changed.`,
          });
        }
      }
    }
  }
  for (const bucket of buckets) {
    if (present.has("multipart_uploads") || present.has("multipart_parts")) {
      for await (const upload of uploadsOf(store, bucket.name)) {
        const numbers = (await store.listParts(upload.uploadId, 0, MAX_PART_NUMBER)).parts.map((x) => x.partNumber);
        await store.deleteParts(upload.uploadId, numbers);
        if (present.has("multipart_uploads")) await store.deleteUpload(upload.uploadId);
      }
    }
    if (present.has("objects")) {
      const versions: ObjectRecord[] = [];
      for await (const v of versionsOf(store, bucket.name)) versions.push(v);
      for (const v of versions) await store.deleteObject(bucket.name, v.key, { versionId: v.versionId });
    }
    if (present.has("buckets")) {
      await store.deleteBucket(bucket.name).catch((err: unknown) => warn(`bucket ${bucket.name} kept: ${(err as Error).message}`));
    }
  }
  if (present.has("credentials")) for (const c of await store.listCredentials()) await store.deleteCredential(c.accessKey);
}

function records(doc: Record<string, unknown>, table: Table): FamilyRecord[] {
  const value = doc[table];
  if (!Array.isArray(value) || value.some((r) => typeof r !== "object" || r === null || Array.isArray(r))) {
    throw new S3Error("InvalidArgument", { message: `"${table}" must be a list of records.` });
  }
  return value as FamilyRecord[];
}

/**
 * Loads an export. merge (default) keeps what exists and adds what is new, so running it twice
 * changes nothing; replace first deletes the records of every table the document carries. Records
 * whose parent is missing, and credentials without a secret, are skipped with a warning.
 */
export async function importMetadata(
  store: MetadataStore, input: unknown, mode: ImportMode = "merge", warn: (message: string) => void = () => {},
): Promise<ImportCounts> {
  const doc = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  const header = doc.bleepstore_export as { version?: unknown } | undefined;
  if (!header || header.version !== EXPORT_VERSION) {
    throw new S3Error("InvalidArgument", { message: `Expected a BleepStore metadata export ({"bleepstore_export":{"version":${EXPORT_VERSION}}, ...}).` });
  }
  const present = new Set(TABLES.filter((t) => t in doc));
  const data = Object.fromEntries([...present].map((t) => [t, records(doc, t)])) as Partial<Record<Table, FamilyRecord[]>>;
  if (mode === "replace") await clearTables(store, present, warn);
  const counts: ImportCounts = { buckets: 0, objects: 0, multipart_uploads: 0, multipart_parts: 0, credentials: 0, skipped: 0 };
  const skip = (message: string) => {
    counts.skipped++;
    warn(message);
  };

  for (const r of data.buckets ?? []) {
    const b = bucketIn(r);
    if (!(await store.createBucket(b))) continue;
    // An engine may take only a new bucket's basics at creation; its settings follow.
    const { versioning, tags, cors, encryption, objectLock } = b;
    if (versioning || tags || cors || encryption || objectLock) await store.updateBucket(b.name, { versioning, tags, cors, encryption, objectLock });
    counts.buckets++;
  }

  const owners = new Map<string, Owner | null>();
  const bucketOwner = async (name: string) => {
    if (!owners.has(name)) owners.set(name, (await store.getBucket(name))?.owner ?? null);
    return owners.get(name)!;
  };
  // Keys that existed before the import keep their versions (merge); keys this import created take all of theirs.
  const added = new Set<string>();
  for (const r of data.objects ?? []) {
    const owner = await bucketOwner(String(r.bucket));
    if (!owner) {
      skip(`object ${String(r.bucket)}/${String(r.key)} skipped: no bucket ${String(r.bucket)}`);
      continue;
    }
    const o = objectIn(r, owner);
    const id = `${o.bucket}/${o.key}`;
    if (!added.has(id) && (await store.getObject(o.bucket, o.key))) continue;
    if (await store.getObject(o.bucket, o.key, o.versionId)) continue;
    await store.putObject(o);
    added.add(id);
    counts.objects++;
  }

  for (const r of data.multipart_uploads ?? []) {
    const u = uploadIn(r);
    if (!(await bucketOwner(u.bucket))) {
      skip(`upload ${u.uploadId} skipped: no bucket ${u.bucket}`);
      continue;
    }
    if (await store.getUpload(u.uploadId)) continue;
    await store.createUpload(u);
    counts.multipart_uploads++;
  }

  for (const r of data.multipart_parts ?? []) {
    const p = partIn(r);
    const upload = await store.getUpload(p.uploadId);
    if (!upload || upload.completedEtag !== undefined) {
      skip(`part ${p.partNumber} of upload ${p.uploadId} skipped: no such upload in progress`);
      continue;
    }
    const existing = (await store.listParts(p.uploadId, p.partNumber - 1, 1)).parts[0];
    if (existing?.partNumber === p.partNumber) continue;
    await store.putPart(p);
    counts.multipart_parts++;
  }

  for (const r of data.credentials ?? []) {
    const c = credentialIn(r);
    if (!c.accessKey || !c.secretKey || c.secretKey === REDACTED) {
      skip(`credential ${c.accessKey || "(no access key)"} skipped: its secret is ${c.secretKey === REDACTED ? "REDACTED" : "missing"}`);
      continue;
    }
    if (r.active === false) {
      skip(`credential ${c.accessKey} skipped: it is not active`);
      continue;
    }
    if (await store.getCredential(c.accessKey)) continue;
    await store.putCredential(c);
    counts.credentials++;
  }
  return counts;
}

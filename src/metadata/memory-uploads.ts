// Multipart uploads of the in-memory engine. Parts are kept apart from their upload record, so that
// completing or aborting an upload is one small change and the parts are freed afterwards, as the
// metadata contract has it for every engine.
import { S3Error } from "../errors.ts";
import { uploadsPage } from "./listing.ts";
import type { PartPage, PartRecord, UploadRecord } from "./store.ts";

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryUploads {
  readonly records = new Map<string, UploadRecord>();
  private readonly parts = new Map<string, Map<number, PartRecord>>();

  get(uploadId: string): UploadRecord | null {
    const u = this.records.get(uploadId);
    return u ? copy(u) : null;
  }

  /** The upload's record if it is in progress, else NoSuchUpload. */
  inProgress(uploadId: string): UploadRecord {
    const u = this.records.get(uploadId);
    if (!u || u.completedEtag !== undefined) throw new S3Error("NoSuchUpload", { detail: { UploadId: uploadId } });
    return u;
  }

  create(upload: UploadRecord): void {
    this.records.set(upload.uploadId, copy(upload));
  }

  delete(uploadId: string): boolean {
    return this.records.delete(uploadId);
  }

  list(bucket: string, prefix: string, after: { key: string; uploadId?: string }, limit: number): UploadRecord[] {
    return uploadsPage([...this.records.values()].filter((u) => u.bucket === bucket), prefix, after, limit).map(copy);
  }

  initiatedBefore(before: number): UploadRecord[] {
    return [...this.records.values()].filter((u) => u.initiated < before).sort((a, b) => a.initiated - b.initiated).map(copy);
  }

  openCount(): number {
    return [...this.records.values()].filter((u) => u.completedEtag === undefined).length;
  }

  putPart(part: PartRecord): PartRecord | null {
    this.inProgress(part.uploadId);
    let parts = this.parts.get(part.uploadId);
    if (!parts) this.parts.set(part.uploadId, (parts = new Map()));
    const previous = parts.get(part.partNumber) ?? null;
    parts.set(part.partNumber, copy(part));
    return previous;
  }

  listParts(uploadId: string, after: number, max: number): PartPage {
    const all = [...(this.parts.get(uploadId)?.values() ?? [])].filter((p) => p.partNumber > after).sort((a, b) => a.partNumber - b.partNumber);
    const parts = all.slice(0, max).map(copy);
    const last = parts.at(-1);
    return all.length > max && last ? { parts, isTruncated: true, nextPartNumberMarker: last.partNumber } : { parts, isTruncated: false };
  }

  deleteParts(uploadId: string, partNumbers: number[]): void {
    const parts = this.parts.get(uploadId);
    if (!parts) return;
    for (const n of partNumbers) parts.delete(n);
    if (parts.size === 0) this.parts.delete(uploadId);
  }

  /** Uploads completed or gone whose parts remain. */
  withParts(limit: number): string[] {
    return [...this.parts.keys()].filter((id) => this.records.get(id)?.completedEtag !== undefined || !this.records.has(id)).slice(0, limit);
  }

  referencesStorage(storageId: string): boolean {
    for (const parts of this.parts.values()) for (const p of parts.values()) if (p.storageId === storageId) return true;
    // An upload in progress may still complete into its session's storage id.
    for (const u of this.records.values()) if (u.session?.storageId === storageId && u.completedEtag === undefined) return true;
    return false;
  }

  /** Every upload (copies: completing one changes it in place) and every part (replaced, never changed). */
  capture(): { uploads: UploadRecord[]; parts: PartRecord[] } {
    return { uploads: [...this.records.values()].map(copy), parts: [...this.parts.values()].flatMap((m) => [...m.values()]) };
  }

  loadUpload(upload: UploadRecord): void {
    this.records.set(upload.uploadId, upload);
  }

  loadPart(part: PartRecord): void {
    let parts = this.parts.get(part.uploadId);
    if (!parts) this.parts.set(part.uploadId, (parts = new Map()));
    parts.set(part.partNumber, part);
  }
}

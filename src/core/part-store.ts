// Where multipart bytes go: into the storage backend's own upload session when it has one (S3
// multipart upstream: each part streamed once, Complete sends no bytes), else each part as a stored
// object of its own, joined on Complete by the backend's compose or by streaming them through write().
// A FULL_OBJECT CRC is combined from the parts' CRCs either way, never computed by re-reading bytes.
import { S3Error } from "../errors.ts";
import type { ChecksumAlgorithm, ObjectChecksum, PartRecord, UploadRecord } from "../metadata/store.ts";
import { freeStorage, type EngineContext } from "./context.ts";
import { dataStream } from "./copy.ts";
import { combineChecksums } from "./crc-combine.ts";
import { digesting, type BodyDigest, type BodyExpectations } from "./digest.ts";
import { sealedEtag, sealing, storedSize } from "./sse.ts";

export class PartStore {
  constructor(private readonly ctx: EngineContext) {}

  /** A session for a new upload, when the backend holds uploads itself. */
  async openSession(): Promise<UploadRecord["session"]> {
    const sessions = this.ctx.storage.sessions;
    if (!sessions) return undefined;
    const { session, storageId } = await sessions.create();
    return { id: session, storageId };
  }

  /** Stores one part's bytes with their digests; the part is not recorded yet. */
  async write(
    upload: UploadRecord, partNumber: number, body: AsyncIterable<Uint8Array>, expect: BodyExpectations, dataKey: Buffer | null,
  ): Promise<PartRecord> {
    const digest: Partial<BodyDigest> = {};
    // Digests (and the part's size) describe the plaintext; what is stored is encrypted as the part of its number.
    const source = () => (dataKey && upload.sse ? sealing(upload.sse, digesting(body, expect, digest), dataKey, partNumber) : digesting(body, expect, digest));
    const part = { uploadId: upload.uploadId, partNumber, lastModified: Date.now() };
    let stored: { storageId: string; size: number; token?: string };
    if (upload.session) {
      // The session's upstream needs each part's length before its bytes (as S3 does).
      if (expect.size === undefined) throw new S3Error("MissingContentLength");
      const { token } = await this.ctx.storage.sessions!.writePart(
        upload.session.id, upload.session.storageId, partNumber, source(), storedSize(upload.sse, expect.size),
      );
      stored = { storageId: "", size: expect.size, token };
    } else {
      const { id } = await this.ctx.storage.write(source());
      stored = { storageId: id, size: digest.size! };
    }
    const etag = upload.sse ? sealedEtag(digest.etag!, upload.sse) : digest.etag!;
    return { ...part, ...stored, etag, ...(digest.checksum ? { checksum: digest.checksum.value } : {}) };
  }

  /** Frees a part's own stored bytes (a session's parts go with the session). */
  async free(parts: PartRecord[]): Promise<void> {
    const ids = parts.map((p) => p.storageId).filter((id) => id !== "");
    if (ids.length > 0) await freeStorage(this.ctx, ids);
  }

  async abort(upload: UploadRecord): Promise<void> {
    if (upload.session) await this.ctx.storage.sessions!.abort(upload.session.id, upload.session.storageId);
  }

  /**
   * One stored object made of the parts, and its FULL_OBJECT checksum when the upload has one; the
   * size answered is the plaintext's (SSE-KMS stores more: each part's chunk tags).
   */
  async join(upload: UploadRecord, parts: PartRecord[], fullObject?: ChecksumAlgorithm): Promise<{ stored: { id: string; size: number }; checksum?: ObjectChecksum }> {
    const size = parts.reduce((n, p) => n + p.size, 0);
    const sealed = parts.reduce((n, p) => n + storedSize(upload.sse, p.size), 0);
    const checksum = fullObject
      ? { algorithm: fullObject, value: combineChecksums(fullObject, parts.map((p) => ({ checksum: p.checksum!, size: p.size }))), type: "FULL_OBJECT" as const }
      : undefined;
    const done = (stored: { id: string; size: number }) => ({ stored, ...(checksum ? { checksum } : {}) });
    if (upload.session) {
      await this.ctx.storage.sessions!.complete(upload.session.id, upload.session.storageId, parts.map((p) => ({ partNumber: p.partNumber, token: p.token! })));
      return done({ id: upload.session.storageId, size });
    }
    if (this.ctx.storage.compose) {
      const stored = await this.ctx.storage.compose(parts.map((p) => p.storageId));
      if (stored.size !== sealed) {
        await freeStorage(this.ctx, [stored.id]);
        this.ctx.log.error("part data does not match its metadata", { uploadId: upload.uploadId, expected: sealed, found: stored.size });
        throw new S3Error("InternalError");
      }
      return done({ id: stored.id, size });
    }
    const stored = await this.ctx.storage.write(digesting(this.assemble(parts), { size: sealed, skipEtag: true }, {}));
    return done({ id: stored.id, size });
  }

  private async *assemble(parts: PartRecord[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) {
      const data = await this.ctx.storage.read(part.storageId);
      if (!data) {
        this.ctx.log.error("part data missing from storage", { uploadId: part.uploadId, partNumber: part.partNumber });
        throw new S3Error("InternalError");
      }
      yield* dataStream(data);
    }
  }
}

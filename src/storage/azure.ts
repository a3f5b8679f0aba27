// Azure Blob Storage as the storage backend: each stored id is one block blob under `prefix` in the
// container. A write stages 8 MiB blocks and commits the list at the end (nothing is visible until
// that commit; a failed source commits nothing). Client multipart uploads are upload sessions: every
// UploadPart stages its blocks on the final blob, and Complete commits the listed parts' blocks in
// order — Put Block List, no byte copied. Loaded only when storage.backend is "azure".
import type { TokenCredential } from "@azure/core-auth";
import { BlobServiceClient, type BlockBlobClient, type ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { azureError, isAzureMissing } from "./azure-errors.ts";
import { InFlight } from "./in-flight.ts";
import {
  assertStorageId, IN_MEMORY_READ, newStorageId, STORAGE_ID, type ByteRange, type StorageBackend, type StoredData, type UploadSessions,
} from "./backend.ts";

export interface AzureStorageOptions {
  container: string;
  /**
   * The account, for https://<account>.blob.core.windows.net: with the key in AZURE_STORAGE_KEY, or
   * without it through @azure/identity's default chain (managed identity, service principal, CLI).
   */
  account: string;
  prefix: string;
  /** Wins over account: any endpoint (Azurite, sovereign clouds) with its credentials. */
  connection_string: string;
}

const BLOCK = 8 * 1024 * 1024;
const UPLOADS_IN_FLIGHT = 2;
/** Every block id of a blob must have the same length: session(32) part(5) nonce(8) index(5). */
const blockId = (session: string, part: number, nonce: string, index: number) =>
  Buffer.from(`${session}${String(part).padStart(5, "0")}${nonce}${String(index).padStart(5, "0")}`).toString("base64");

/** Groups a stream into blocks of BLOCK bytes. */
async function* blocks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(BLOCK - size, chunk.length - at);
      pending.push(chunk.subarray(at, at + n));
      size += n;
      at += n;
      if (size === BLOCK) {
        yield Buffer.concat(pending, size);
        pending = [];
        size = 0;
      }
    }
  }
  if (size > 0 || pending.length > 0) yield Buffer.concat(pending, size);
}

export class AzureStorage implements StorageBackend {
  readonly name = "azure";
  private readonly container: ContainerClient;

  /** `identity`: the credential used when there is an account but no key (managed identity, ...). */
  constructor(private readonly options: AzureStorageOptions, identity?: TokenCredential) {
    if (!options.container) throw new Error("storage.azure.container must name the container to store objects in");
    const pipeline = { retryOptions: { maxTries: 4, tryTimeoutInMs: 60_000, retryDelayInMs: 200, maxRetryDelayInMs: 5_000 } };
    let service: BlobServiceClient;
    if (options.connection_string) {
      service = BlobServiceClient.fromConnectionString(options.connection_string, pipeline);
    } else {
      const key = process.env.AZURE_STORAGE_KEY;
      if (!options.account) throw new Error("storage.azure needs connection_string, or account (with AZURE_STORAGE_KEY, or an Entra ID identity)");
      const credential = key ? new StorageSharedKeyCredential(options.account, key) : identity;
      if (!credential) throw new Error("storage.azure: no AZURE_STORAGE_KEY and no identity credential");
      service = new BlobServiceClient(`https://${options.account}.blob.core.windows.net`, credential, pipeline);
    }
    this.container = service.getContainerClient(options.container);
  }

  private blob(id: string): BlockBlobClient {
    assertStorageId(id);
    return this.container.getBlockBlobClient(`${this.options.prefix}${id}`);
  }

  /** Stages `source` as blocks of `blob`; returns their ids and the byte count. */
  private async stage(blob: BlockBlobClient, session: string, part: number, source: AsyncIterable<Uint8Array>): Promise<{ ids: string[]; size: number }> {
    const nonce = randomBytes(4).toString("hex");
    const ids: string[] = [];
    let size = 0;
    const uploads = new InFlight(UPLOADS_IN_FLIGHT);
    try {
      for await (const block of blocks(source)) {
        const id = blockId(session, part, nonce, ids.length);
        await uploads.add(() => blob.stageBlock(id, block, block.length).catch(azureError));
        ids.push(id);
        size += block.length;
      }
    } finally {
      await uploads.drain();
    }
    return { ids, size };
  }

  readonly sessions: UploadSessions = {
    // Nothing to call: staged blocks wait on the blob until a block list is committed.
    create: async () => ({ session: newStorageId(), storageId: newStorageId() }),
    writePart: async (session, storageId, partNumber, source) => {
      const { ids } = await this.stage(this.blob(storageId), session, partNumber, source);
      return { token: JSON.stringify(ids) };
    },
    complete: async (_session, storageId, parts) => {
      const ids = parts.flatMap((p) => JSON.parse(p.token) as string[]);
      // Committing the same list again (a retried Complete) finds the blocks committed: the same blob.
      await this.blob(storageId).commitBlockList(ids).catch(azureError);
    },
    abort: async (_session, storageId) => {
      // Uncommitted blocks go with the blob; Azure drops those of a blob never committed after a week.
      await this.blob(storageId).deleteIfExists().catch(azureError);
    },
  };

  /** Start-up's reachability check already ran it: the container is created once. */
  private ready: Promise<void> | undefined;

  init(): Promise<void> {
    this.ready ??= this.container.createIfNotExists().then(() => undefined, (err: unknown) => {
      this.ready = undefined;
      return azureError(err);
    });
    return this.ready;
  }

  async close(): Promise<void> {}

  async ping(): Promise<void> {
    await this.container.getProperties().catch(azureError);
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const id = newStorageId();
    const blob = this.blob(id);
    try {
      const { ids, size } = await this.stage(blob, id, 0, source);
      if (ids.length === 0) await blob.upload(new Uint8Array(0), 0).catch(azureError);
      else await blob.commitBlockList(ids).catch(azureError);
      return { id, size };
    } catch (err) {
      // Blocks staged before the failure would wait a week on an uncommitted blob: drop them now.
      await blob.deleteIfExists().catch(() => {});
      throw err;
    }
  }

  async read(id: string, range?: ByteRange): Promise<StoredData | null> {
    try {
      const offset = range?.start ?? 0;
      const count = range ? range.end - range.start + 1 : undefined;
      const got = await this.blob(id).download(offset, count);
      const size = got.contentLength ?? 0;
      const body = got.readableStreamBody!;
      if (size <= IN_MEMORY_READ) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        return new Blob([Buffer.concat(chunks)]);
      }
      return { stream: Readable.toWeb(body as Readable) as ReadableStream<Uint8Array>, size };
    } catch (err) {
      if (isAzureMissing(err)) return null;
      return azureError(err);
    }
  }

  async delete(id: string): Promise<void> {
    await this.blob(id).deleteIfExists().catch(azureError);
  }

  async *listStored(): AsyncIterable<{ id: string; modified: number }> {
    // Uncommitted blobs too: a write or an upload session cut short by a crash leaves one.
    for await (const b of this.container.listBlobsFlat({ prefix: this.options.prefix, includeUncommitedBlobs: true })) {
      const id = b.name.slice(this.options.prefix.length);
      if (STORAGE_ID.test(id)) yield { id, modified: b.properties.lastModified?.getTime() ?? 0 };
    }
  }
}

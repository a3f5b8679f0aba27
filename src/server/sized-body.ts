// Response bodies Bun.serve sends with a Content-Length. Bun.serve drops the Content-Length of a
// streamed body and sends it chunked (oven-sh/bun#10507), which S3 clients do not expect of a GET
// (boto3's ContentLength is None, progress bars break); it keeps the length of bodies it holds whole
// or sends from a regular file. So a streamed body (SSE decryption, a composed object not yet one
// file, the sqlite and cloud backends) is made one of those before the response starts: up to
// IN_MEMORY_READ read into memory, larger ones written to a spool file that Bun then sends with
// sendfile. The spool file is unlinked once Bun has opened it (SENDFILE_GRACE_MS); a crash leaves
// it for the next start-up, which empties the spool directory. (node:http, server.http_engine: node,
// sends the length of a stream as it is, and needs none of this.)
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { IN_MEMORY_READ } from "../storage/backend.ts";
import { SENDFILE_GRACE_MS } from "../storage/local-holds.ts";

export class BodySpool {
  /** Creates the spool directory and removes what a crash left in it. */
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true, recursive: true });
  }

  /** `size` bytes from `stream` as a body Bun sends with its length; throws if the stream yields another count. */
  async sized(stream: ReadableStream<Uint8Array>, size: number): Promise<Blob> {
    if (size <= IN_MEMORY_READ) {
      const bytes = new Uint8Array(size);
      let at = 0;
      for await (const chunk of stream) {
        if (at + chunk.length > size) throw new Error(`stored data is longer than its record (${size} bytes)`);
        bytes.set(chunk, at);
        at += chunk.length;
      }
      if (at !== size) throw new Error(`stored data is shorter than its record (${at} of ${size} bytes)`);
      return new Blob([bytes]);
    }
    const path = join(this.dir, crypto.randomUUID());
    const file = await open(path, "wx", 0o600);
    try {
      let at = 0;
      for await (const chunk of stream) {
        at += chunk.length;
        if (at > size) throw new Error(`stored data is longer than its record (${size} bytes)`);
        for (let done = 0; done < chunk.length; ) done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
      }
      if (at !== size) throw new Error(`stored data is shorter than its record (${at} of ${size} bytes)`);
    } catch (err) {
      await file.close();
      await rm(path, { force: true });
      throw err;
    }
    await file.close();
    // Bun opens the path as the response starts; after that the unlinked file lives until it is sent.
    setTimeout(() => void rm(path, { force: true }).catch(() => {}), SENDFILE_GRACE_MS).unref();
    return Bun.file(path);
  }
}

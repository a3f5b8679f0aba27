// The hash worker's thread: MD5 of bodies sent to it a chunk at a time (see hash-pool.ts). Each
// message names its job; chunks are acknowledged as they are hashed, so the sender can bound what
// waits here; the end of a job answers its digest.
declare const self: Worker;

interface Message { id: number; chunk?: Uint8Array; end?: boolean; drop?: boolean }

const jobs = new Map<number, Bun.CryptoHasher>();

self.onmessage = (event: MessageEvent<Message>) => {
  const { id, chunk, end, drop } = event.data;
  if (drop) {
    jobs.delete(id);
    return;
  }
  let hasher = jobs.get(id);
  if (!hasher) jobs.set(id, (hasher = new Bun.CryptoHasher("md5")));
  if (chunk) {
    hasher.update(chunk);
    postMessage({ id, hashed: chunk.length });
  }
  if (end) {
    jobs.delete(id);
    const digest = new Uint8Array(hasher.digest());
    postMessage({ id, digest }, [digest.buffer]);
    // The chunks it was sent are garbage now; collected at once, they do not pile up between jobs.
    Bun.gc(false);
  }
};

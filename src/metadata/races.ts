// Optimistic concurrency for network engines: a step reads, decides and writes with conditions on
// what it read; a write that lost a race to another writer is read and decided again, after a short
// random pause that grows with the attempts. A step that keeps losing is answered 503 SlowDown. And
// the outbox positions two writers may both take, made again with a new key (Remakes).
import { S3Error } from "../errors.ts";

const MAX_ATTEMPTS = 200;

export async function retryRaces<T>(step: () => Promise<T>, lost: (err: unknown) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!lost(err)) throw err;
      if (attempt >= MAX_ATTEMPTS) throw new S3Error("SlowDown", { message: "Too many concurrent changes to one record; try again.", cause: err });
      await Bun.sleep(Math.random() * Math.min(100, 2 * 1.5 ** Math.min(attempt, 12)));
    }
  }
}

/**
 * Writes whose key must be new (outbox positions, taken from a node's clock): each made by `make`, and
 * made again with a new key when another writer turned out to hold its key.
 */
export class Remakes<T extends object> {
  private readonly how = new WeakMap<T, () => T>();

  make(make: () => T): T {
    const item = make();
    this.how.set(item, () => this.make(make));
    return item;
  }

  has(item: T): boolean {
    return this.how.has(item);
  }

  again(item: T): T {
    return this.how.get(item)!();
  }
}

// Optimistic concurrency for network engines: a step reads, decides and writes with conditions on
// what it read; a write that lost a race to another writer is read and decided again, after a short
// random pause that grows with the attempts. A step that keeps losing is answered 503 SlowDown.
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

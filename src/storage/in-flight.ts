// Uploads to a gateway's upstream overlap with reading the client's body: up to `limit` parts or
// blocks are sent at once while the next one fills, so a large PUT is not paced by one round trip
// per part. Memory stays bounded at limit + 1 parts.
export class InFlight {
  private readonly running: Promise<unknown>[] = [];
  private failure: unknown;

  constructor(private readonly limit: number) {}

  /** Starts `task`; waits first while `limit` are running. Rethrows an earlier task's failure. */
  async add(task: () => Promise<unknown>): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    while (this.running.length >= this.limit) await this.running.shift();
    if (this.failure !== undefined) throw this.failure;
    const p = task().catch((err: unknown) => {
      this.failure ??= err;
    });
    this.running.push(p);
  }

  /** Waits for every task; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running.splice(0));
    if (this.failure !== undefined) throw this.failure;
  }
}

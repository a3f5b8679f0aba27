// A cap on requests in flight to a network engine: a burst (10,000 parts at once) waits its turn in
// the process instead of piling up on sockets, connection deadlines and HTTP/2 streams.
export class Limiter {
  private inFlight = 0;
  private readonly queued: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) await new Promise<void>((resolve) => this.queued.push(resolve));
    else this.inFlight++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, or is freed.
      const next = this.queued.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}

/**
 * Heavy reads asked for by many clients at once (a whole-table scan per request): at most
 * `limit` run at the same time, the rest wait their turn in arrival order, and a request for
 * work that is already running or waiting under the same key shares that run's result
 * instead of starting its own.
 */
export class SharedWorkLimit<T> {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly shared = new Map<string, Promise<T>>();

  constructor(private readonly limit: number) {}

  run(key: string, work: () => Promise<T>): Promise<T> {
    let result = this.shared.get(key);
    if (!result) {
      result = this.inTurn(work).finally(() => this.shared.delete(key));
      this.shared.set(key, result);
    }
    return result;
  }

  private async inTurn(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so a newcomer cannot jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

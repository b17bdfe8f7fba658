interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface MicroBatcherOptions {
  /** most items in one batch */
  maxBatch: number;
  /** most batches running at once; further items wait and form the next batch */
  maxConcurrent: number;
  /** wait this long for more items before a batch leaves (default: only the current event-loop turn) */
  lingerMs?: number;
}

/**
 * For reads on a hot request path: few batches in flight, each lingering a moment, so a burst
 * of requests shares one query every few milliseconds (lingerMs) instead of sending one each.
 */
export function readBatching(poolSize: number): MicroBatcherOptions {
  return { maxBatch: 1000, maxConcurrent: Math.min(2, poolSize), lingerMs: 5 };
}

/**
 * Group commit: items submitted while `maxConcurrent` batches are running wait and leave
 * together as the next batch, so batches grow with load and an idle system adds no delay.
 * `run` returns one result per item, in order; if it throws, every item of the batch rejects.
 */
export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxConcurrent || !this.queue.length) return;
    this.scheduled = true;
    // Let the requests of the current event-loop turn (or of lingerMs) join before the batch leaves.
    const go = () => {
      this.scheduled = false;
      this.flush();
    };
    if (this.options.lingerMs) setTimeout(go, this.options.lingerMs);
    else setImmediate(go);
  }

  private flush(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      void this.execute(batch).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      batch.forEach((p) => p.reject(error));
    }
  }
}

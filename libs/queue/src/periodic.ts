/**
 * Background work run every `intervalMs`, one run at a time: a tick that finds the previous run
 * still going is skipped. A run's error goes to `onError` (the next tick tries again); `stop()`
 * ends the ticks and waits for the run in progress, for a shutdown that leaves nothing half done.
 */
export class Periodic {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.run()
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

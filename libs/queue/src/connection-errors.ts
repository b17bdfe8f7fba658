import { Logger } from '@nestjs/common';

/** While Redis is away, BullMQ reports an error on every reconnect attempt of every connection. */
const QUIET_MS = 30_000;

/**
 * `log` for the first call, then at most once every `intervalMs`, told how many calls it left
 * out since: for warnings an outage would otherwise repeat many times a second.
 */
export function throttled<T>(intervalMs: number, log: (value: T, leftOut: number) => void): (value: T) => void {
  let loggedAt = -Infinity;
  let leftOut = 0;
  return (value) => {
    if (Date.now() - loggedAt < intervalMs) {
      leftOut++;
      return;
    }
    log(value, leftOut);
    loggedAt = Date.now();
    leftOut = 0;
  };
}

/**
 * An `error` listener for a BullMQ queue or worker: a warning (BullMQ reconnects by itself, and
 * `/health` tells the outage), at most one per QUIET_MS, with the count of the ones left out.
 * Without a listener BullMQ prints each error to stderr, several a second per connection.
 */
export function connectionErrorLogger(logger: Logger, what: string): (error: Error) => void {
  return throttled<Error>(QUIET_MS, (error, leftOut) =>
    logger.warn(`${what}: ${error.message}${leftOut ? ` (${leftOut} more since the last warning)` : ''}`),
  );
}

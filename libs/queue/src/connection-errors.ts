import { Logger } from '@nestjs/common';

/** While Redis is away, BullMQ reports an error on every reconnect attempt of every connection. */
const QUIET_MS = 30_000;

/**
 * An `error` listener for a BullMQ queue or worker: a warning (BullMQ reconnects by itself, and
 * `/health` tells the outage), at most one per QUIET_MS, with the count of the ones left out.
 * Without a listener BullMQ prints each error to stderr, several a second per connection.
 */
export function connectionErrorLogger(logger: Logger, what: string): (error: Error) => void {
  let loggedAt = -Infinity;
  let since = 0;
  return (error) => {
    if (Date.now() - loggedAt < QUIET_MS) {
      since++;
      return;
    }
    logger.warn(`${what}: ${error.message}${since ? ` (${since} more since the last warning)` : ''}`);
    loggedAt = Date.now();
    since = 0;
  };
}

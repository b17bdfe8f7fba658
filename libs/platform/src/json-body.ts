import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { json, RequestHandler } from 'express';
import { DomainError, ErrorCode } from '@app/domain';
import { throttled } from '@app/queue';

/** Largest JSON body a bulk route accepts (BULK_ROUTES). */
export const JSON_BODY_LIMIT = '5mb';
/**
 * Largest JSON body every other route accepts: the largest valid one (a campaign with a 5,000
 * character description and 250 topics, every character escaped) is under 100 kB.
 */
export const SMALL_JSON_BODY_LIMIT = '256kb';
/**
 * Routes whose bodies are bulk by design (score batches, code uploads) or sized by someone else
 * (Stripe's and the carrier's webhooks), as Express routes them: any case, a trailing slash, a query.
 * The parser runs before any route or token check, so on the others a body of millions of values
 * would cost every caller, signed in or not, a second of the event loop to parse and refuse.
 */
const BULK_ROUTES = /^\/(?:scores\/batch|campaigns\/[^/?#]+\/codes|payments\/stripe\/webhook|shipping\/webhook)\/?(?:[?#].*)?$/i;

/**
 * Heap a JSON body takes once parsed and through the validation pipe (class-transformer copies
 * it), at most, measured on Node 20: ~160 bytes an object or array (5 MB of `[{},{},…]`: ~270
 * MB), ~24 bytes a value after a `,` or `:` (5 MB of `[1,1,…]`: ~60 MB), and a string's bytes.
 * Every such byte counts, in strings too and in any UTF encoding: never less than it takes.
 */
const HEAP_PER_CONTAINER = 160;
const HEAP_PER_VALUE = 24;

/**
 * What the JSON bodies being handled at once may take together. The API runs with a 256 MB old
 * generation (package.json config.serviceNodeOptions) and uses ~70 MB of it at rest; one body of
 * 5 MB of `[1,1,…]` to any route, 10 of `[{},{},…]` or 40 score batches of 10,000 items sent at
 * once ran it out of memory, and `npm start` then stopped every service. A score batch of 10,000
 * items with a dozen topics each (4.5 MB) is counted ~40 MB: two are handled at once, a third is
 * answered 503 (Retry-After), as a busy pool answers.
 */
export const JSON_HEAP_BUDGET = 96 * 1024 * 1024;

let heapInFlight = 0;
const logger = new Logger('JsonBody');
const warnBusy = throttled<number>(10_000, (heap, leftOut) =>
  logger.warn(`JSON bodies answered 503: ${Math.round(heap / 1048576)} MB of parsed bodies in flight${leftOut ? ` (${leftOut} more since the last warning)` : ''}`),
);

/** An upper bound of the heap `body` takes once parsed. */
export function parsedJsonHeap(body: Buffer): number {
  let containers = 0;
  let values = 0;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (byte === 0x7b || byte === 0x5b) containers++;
    else if (byte === 0x2c || byte === 0x3a) values++;
  }
  return containers * HEAP_PER_CONTAINER + values * HEAP_PER_VALUE + body.length;
}

/**
 * Express's JSON parser with the API's limits (5 MB on the bulk routes, 256 kB elsewhere), for
 * every route and the lean claim route alike. It keeps the raw body (signature checks) and, before
 * parsing, refuses a body that alone would take more than the budget (413) or one the budget has
 * no room for while others are handled (503).
 */
export function jsonBodyParser(): RequestHandler {
  const bulk = json({ limit: JSON_BODY_LIMIT, verify: admit });
  const small = json({ limit: SMALL_JSON_BODY_LIMIT, verify: admit });
  return (req, res, next) => (BULK_ROUTES.test(req.url) ? bulk : small)(req, res, next);
}

function admit(req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse, body: Buffer): void {
  req.rawBody = body;
  const heap = parsedJsonHeap(body);
  if (heap > JSON_HEAP_BUDGET) throw new DomainError(ErrorCode.PayloadTooLarge, 'The request body holds too many values');
  if (heapInFlight + heap > JSON_HEAP_BUDGET) {
    warnBusy(heapInFlight);
    throw new DomainError(ErrorCode.ServiceUnavailable, 'The service is busy with other large requests; retry later');
  }
  heapInFlight += heap;
  res.once('close', () => (heapInFlight -= heap));
}

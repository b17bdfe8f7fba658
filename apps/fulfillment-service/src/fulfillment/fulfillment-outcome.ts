/** What one run of a fulfillment job did; `skipped` means there was nothing left to do (idempotent re-run). */
export type FulfillmentOutcome = 'fulfilled' | 'shipment_requested' | 'skipped';

/** The pool has no free code at all: retrying cannot help. */
export class CodePoolEmptyError extends Error {
  constructor() {
    super('the code pool of this campaign is empty');
  }
}

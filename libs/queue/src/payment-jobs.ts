import { EntityManager } from 'typeorm';
import { enqueueInTransaction, jobIdFor } from './outbox';

/**
 * Queues the refund of a campaign's unused budget, in the caller's transaction. `cause` names
 * what asks for it again after the end (a claim that gave its unit back, a dispute that closed):
 * its own job, so the end's job, long done and kept, does not swallow it. The job is idempotent
 * either way.
 */
export function enqueueCampaignRefund(manager: EntityManager, campaignId: string, cause?: string): Promise<void> {
  return enqueueInTransaction(manager, {
    queue: 'payments',
    name: 'refund-campaign',
    data: { campaignId },
    jobId: cause ? jobIdFor('refund-campaign', campaignId, cause) : jobIdFor('refund-campaign', campaignId),
  });
}

/** Queues the full refund of a payment that funds nothing (stale), in the caller's transaction; `cause` as above. */
export function enqueueFundingRefund(manager: EntityManager, fundingId: string, cause?: string): Promise<void> {
  return enqueueInTransaction(manager, {
    queue: 'payments',
    name: 'refund-funding',
    data: { fundingId },
    jobId: cause ? jobIdFor('refund-funding', fundingId, cause) : jobIdFor('refund-funding', fundingId),
  });
}

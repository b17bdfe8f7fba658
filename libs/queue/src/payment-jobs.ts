import { EntityManager } from 'typeorm';
import { enqueueInTransaction, jobIdFor } from './outbox';

/**
 * Queues the refund of a campaign's unused budget, in the caller's transaction. `cause` names
 * a unit that came back after the end (a claim that failed or was cancelled): its own job, so the
 * end's job, long done and kept, does not swallow the top-up. The job is idempotent either way.
 */
export function enqueueCampaignRefund(manager: EntityManager, campaignId: string, cause?: string): Promise<void> {
  return enqueueInTransaction(manager, {
    queue: 'payments',
    name: 'refund-campaign',
    data: { campaignId },
    jobId: cause ? jobIdFor('refund-campaign', campaignId, cause) : jobIdFor('refund-campaign', campaignId),
  });
}

import { EntityManager } from 'typeorm';
import { enqueueInTransaction, jobIdFor } from './outbox';

/**
 * Queues a campaign's end at `endsAt`, in the caller's transaction. Written when the funding
 * completes (a funded campaign that is never launched still ends, and is refunded in full) and
 * again at launch: one jobId per campaign, so BullMQ keeps the first and the end runs once.
 * `endsAt` cannot change after the draft, so both writes ask for the same time.
 */
export function enqueueCampaignEnd(manager: EntityManager, campaignId: string, endsAt: Date): Promise<void> {
  return enqueueInTransaction(manager, {
    queue: 'lifecycle',
    name: 'end-campaign',
    data: { campaignId },
    jobId: jobIdFor('end-campaign', campaignId),
    runAt: endsAt,
  });
}

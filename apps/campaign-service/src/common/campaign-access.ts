import { EntityManager } from 'typeorm';
import { AuthUser } from '@app/auth';
import { Campaign } from '@app/db';
import { DomainError, Role, UUID } from '@app/domain';

/**
 * The campaign as the caller may see it: admins see every campaign, a brand only its own.
 * Anything else (another brand's, a member, a malformed id) is 404: existence is never revealed.
 * Pass `lock` to take a row lock inside the caller's transaction.
 */
export async function findCampaignFor(
  manager: EntityManager,
  user: AuthUser,
  campaignId: string,
  lock?: 'pessimistic_write',
): Promise<Campaign> {
  if (!UUID.test(campaignId)) throw DomainError.notFound('Campaign');
  const campaign = await manager.getRepository(Campaign).findOne({
    where: { id: campaignId },
    lock: lock ? { mode: lock } : undefined,
  });
  const visible = campaign && (user.role === Role.Admin || (user.role === Role.Brand && campaign.brandId === user.brandId));
  if (!visible) throw DomainError.notFound('Campaign');
  return campaign;
}

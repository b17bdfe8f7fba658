import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { transactionRetryingConflicts } from '@app/db';
import { CampaignStatus, ClaimStatus, DomainError, ErrorCode, UUID } from '@app/domain';
import { recordAudit } from '@app/platform';
import { enqueueCampaignRefund, enqueueInTransaction, fulfillClaimJobId } from '@app/queue';
import { ClaimGateService } from './claim-gate.service';
import { ClaimQueriesService } from './claim-queries.service';
import { AdminClaimDto } from './dto/claim.dto';

interface LockedClaim {
  id: string;
  campaign_id: string;
  member_id: string;
  status: ClaimStatus;
  fulfillment_round: number;
  campaign_status: CampaignStatus;
}

/**
 * Admin actions on claims. Each locks the campaign row first, then the claim — the order
 * every writer of claimed_units and member slots uses — so they never deadlock with claims.
 */
@Injectable()
export class ClaimAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gate: ClaimGateService,
    private readonly queries: ClaimQueriesService,
  ) {}

  /** A failed claim takes a unit again and starts a new fulfillment round (a new jobId). */
  async retry(claimId: string, adminId: string): Promise<AdminClaimDto> {
    const { campaignId, answer } = await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const claim = await this.lock(manager, claimId);
      if (claim.status !== ClaimStatus.Failed) {
        throw new DomainError(ErrorCode.ClaimNotRetryable, `Only failed claims can be retried; this one is ${claim.status}`);
      }
      // Ending refunds the units no claim holds, most likely this failed claim's among them: handing it out
      // again would give away a unit the brand got its money back for.
      if (claim.campaign_status === CampaignStatus.Ended) {
        throw new DomainError(ErrorCode.ClaimNotRetryable, 'The campaign has ended and its unused units were refunded; this claim cannot be retried');
      }
      // An erased member has nobody to deliver to (a physical claim's address is gone): the unit would
      // stay held by a claim that can never be fulfilled.
      const [member]: { erased: boolean }[] = await manager.query(`SELECT erased_at IS NOT NULL AS erased FROM users WHERE id = $1`, [claim.member_id]);
      if (member?.erased) throw new DomainError(ErrorCode.ClaimNotRetryable, 'The member erased their account; this claim cannot be delivered');
      const [stock]: { total_units: number; claimed_units: number; per_member_limit: number }[] = await manager.query(
        `SELECT total_units, claimed_units, per_member_limit FROM campaigns WHERE id = $1`,
        [claim.campaign_id],
      );
      if (stock.claimed_units >= stock.total_units) throw new DomainError(ErrorCode.SoldOut, 'No unit is left for this claim');
      const slots: { member_slot: number }[] = await manager.query(
        `SELECT member_slot FROM claims WHERE campaign_id = $1 AND member_id = $2 AND status IN ('pending', 'fulfilled')`,
        [claim.campaign_id, claim.member_id],
      );
      const taken = new Set(slots.map((s) => s.member_slot));
      if (taken.size >= stock.per_member_limit) {
        throw new DomainError(ErrorCode.ClaimLimitReached, 'The member already holds as many claims as allowed');
      }
      let slot = 1;
      while (taken.has(slot)) slot++;
      const round = claim.fulfillment_round + 1;
      await manager.query(
        `UPDATE claims SET status = 'pending', failure_reason = NULL, member_slot = $2, fulfillment_round = $3, updated_at = now()
         WHERE id = $1`,
        [claim.id, slot, round],
      );
      await manager.query(`UPDATE campaigns SET claimed_units = claimed_units + 1 WHERE id = $1`, [claim.campaign_id]);
      await enqueueInTransaction(manager, {
        queue: 'fulfillment',
        name: 'fulfill-claim',
        data: { claimId: claim.id },
        jobId: fulfillClaimJobId(claim.id, round),
      });
      await recordAudit(manager, {
        actorId: adminId,
        action: 'claim.retry',
        entityType: 'claim',
        entityId: claim.id,
        before: { status: claim.status, fulfillmentRound: claim.fulfillment_round },
        after: { status: ClaimStatus.Pending, fulfillmentRound: round, campaignId: claim.campaign_id },
      });
      // The claim as this action left it (read after the commit, it could already show a racing action's change).
      return { campaignId: claim.campaign_id, answer: await this.queries.adminOne(claim.id, manager) };
    });
    await this.gate.refresh(campaignId);
    return answer;
  }

  /**
   * Cancels a claim that was not delivered (see markCancelled). A fulfilled claim is refused: its
   * code, shipment or invitation is out, and returning its unit would sell one that no longer
   * exists (a code pool one short, a parcel twice).
   */
  async cancel(claimId: string, adminId: string): Promise<AdminClaimDto> {
    const { campaignId, answer } = await transactionRetryingConflicts(this.dataSource, async (manager) => {
      const claim = await this.lock(manager, claimId);
      if (claim.status === ClaimStatus.Cancelled) throw new DomainError(ErrorCode.ClaimNotCancellable, 'The claim is already cancelled');
      if (claim.status === ClaimStatus.Fulfilled) {
        throw new DomainError(ErrorCode.ClaimNotCancellable, 'The claim was fulfilled: what it delivered cannot be taken back');
      }
      await this.markCancelled(manager, claim, adminId);
      // The claim as this action left it (read after the commit, it could already show a racing action's change).
      return { campaignId: claim.campaign_id, answer: await this.queries.adminOne(claim.id, manager) };
    });
    await this.gate.refresh(campaignId);
    return answer;
  }

  /**
   * A pending claim returns its unit to stock (on an ended campaign, to the brand by a top-up
   * refund); a failed one has already.
   */
  private async markCancelled(manager: EntityManager, claim: LockedClaim, actorId: string): Promise<void> {
    await manager.query(`UPDATE claims SET status = 'cancelled', shipping_address = NULL, updated_at = now() WHERE id = $1`, [claim.id]);
    // A failed claim's shipment is cancelled already but keeps the address for a retry: no more.
    await manager.query(
      `UPDATE shipments SET status = 'cancelled', address = NULL, updated_at = now()
       WHERE claim_id = $1 AND status <> 'shipped'`,
      [claim.id],
    );
    if (claim.status !== ClaimStatus.Failed) {
      await manager.query(`UPDATE campaigns SET claimed_units = claimed_units - 1 WHERE id = $1`, [claim.campaign_id]);
      // The end's refund counted this unit as used: the brand gets it back by a top-up.
      if (claim.campaign_status === CampaignStatus.Ended) await enqueueCampaignRefund(manager, claim.campaign_id, `claim-${claim.id}`);
    }
    await recordAudit(manager, {
      actorId,
      action: 'claim.cancel',
      entityType: 'claim',
      entityId: claim.id,
      before: { status: claim.status },
      after: { status: ClaimStatus.Cancelled, unitReturned: claim.status !== ClaimStatus.Failed, campaignId: claim.campaign_id },
    });
  }

  private async lock(manager: EntityManager, claimId: string): Promise<LockedClaim> {
    if (!UUID.test(claimId)) throw DomainError.notFound('Claim');
    const [ref]: { campaign_id: string }[] = await manager.query(`SELECT campaign_id FROM claims WHERE id = $1`, [claimId]);
    if (!ref) throw DomainError.notFound('Claim');
    const [campaign]: { status: CampaignStatus }[] = await manager.query(`SELECT status FROM campaigns WHERE id = $1 FOR UPDATE`, [ref.campaign_id]);
    const [claim]: Omit<LockedClaim, 'campaign_status'>[] = await manager.query(
      `SELECT id, campaign_id, member_id, status, fulfillment_round FROM claims WHERE id = $1 FOR UPDATE`,
      [claimId],
    );
    return { ...claim, campaign_status: campaign.status };
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Page, pageCursor, toPage } from '@app/db';
import { ClaimStatus, DomainError, UUID } from '@app/domain';
import { recordAudit } from '@app/platform';
import { enqueueInTransaction, fulfillClaimJobId } from '@app/queue';
import { ClaimHoldDto, ReleasedHoldDto } from './dto/claim-hold.dto';

interface HoldRow {
  claim_id: string;
  campaign_id: string;
  member_id: string;
  reason: string;
  details: { otherAccounts?: number };
  status: string;
  created_at: Date;
}

/** The admin review of held claims: list the open ones still pending, release one to fulfilment. */
@Injectable()
export class ClaimHoldsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Open holds whose claim still waits for the review (pending). A held claim an admin cancelled
   * instead has nothing left to decide: its hold stays open but off the list, and releasing it
   * still closes it.
   */
  async listOpen(limit: number, rawCursor?: string): Promise<Page<ClaimHoldDto>> {
    const cursor = pageCursor(rawCursor);
    const rows: HoldRow[] = await this.dataSource.query(
      `SELECT h.claim_id, c.campaign_id, c.member_id, h.reason, h.details, c.status, h.created_at
         FROM claim_holds h JOIN claims c ON c.id = h.claim_id
        WHERE h.released_at IS NULL AND c.status = 'pending'
          AND ($1::timestamptz IS NULL OR (h.created_at, h.claim_id) > ($1::timestamptz, $2::uuid))
        ORDER BY h.created_at, h.claim_id
        LIMIT $3`,
      [cursor?.at ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, (r) => ({ at: r.created_at.toISOString(), id: r.claim_id }), (r) => ({
      claimId: r.claim_id,
      campaignId: r.campaign_id,
      memberId: r.member_id,
      reason: r.reason,
      otherAccounts: r.details.otherAccounts ?? 0,
      claimStatus: r.status,
      createdAt: r.created_at.toISOString(),
    }));
  }

  /** Ends the hold; a still-pending claim goes to fulfilment in the same transaction. */
  async release(adminId: string, claimId: string): Promise<ReleasedHoldDto> {
    if (!UUID.test(claimId)) throw DomainError.notFound('Hold');
    return this.dataSource.transaction(async (manager) => {
      // TypeORM answers an UPDATE … RETURNING with [rows, affected].
      const [[hold]]: [{ claim_id: string; status: ClaimStatus; released_at: Date }[], number] = await manager.query(
        `UPDATE claim_holds h SET released_at = now(), released_by = $2
           FROM claims c
          WHERE h.claim_id = $1 AND c.id = h.claim_id AND h.released_at IS NULL
        RETURNING h.claim_id, c.status, h.released_at`,
        [claimId, adminId],
      );
      if (!hold) throw DomainError.notFound('Open hold');
      const queue = hold.status === ClaimStatus.Pending;
      if (queue) {
        await enqueueInTransaction(manager, { queue: 'fulfillment', name: 'fulfill-claim', data: { claimId }, jobId: fulfillClaimJobId(claimId, 0) });
      }
      await recordAudit(manager, {
        actorId: adminId,
        action: 'claim.release_hold',
        entityType: 'claim',
        entityId: claimId,
        before: { held: true, status: hold.status },
        after: { held: false, fulfillmentQueued: queue },
      });
      return { claimId, releasedAt: hold.released_at.toISOString(), fulfillmentQueued: queue };
    });
  }
}

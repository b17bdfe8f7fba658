import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthUser } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, CampaignCode, cursorInstantSql, InventoryAdjustment, Page, pageCursor, toPage } from '@app/db';
import { CampaignStatus, DomainError, ErrorCode, fundingRequiredCents, PerkKind } from '@app/domain';
import { recordAudit } from '@app/platform';
import { MAX_TOTAL_UNITS } from '../campaigns/dto/campaign-input.dto';
import { ClaimGateService } from '../claims/claim-gate.service';
import { findCampaignFor } from '../common/campaign-access';
import { checkIdempotencyKey } from '../common/idempotency-key';
import { AdjustmentDto, CreateAdjustmentDto } from './dto/adjustment.dto';
import { PageQueryDto } from '@app/platform';

const LIVE = [CampaignStatus.Scheduled, CampaignStatus.Active, CampaignStatus.Paused];

interface AdjustmentRow {
  id: string;
  campaign_id: string;
  admin_id: string;
  delta: number;
  reason: string;
  total_units_before: number;
  total_units_after: number;
  created_at: Date;
  cursor_at: string;
}

/** Admin stock changes with an append-only audit trail: who, when, delta, reason, before and after. */
@Injectable()
export class InventoryAdjustmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gate: ClaimGateService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * With an Idempotency-Key, a retry (an answer lost on the way) is answered with the adjustment the
   * key already made, and a key used for another change is refused (422 IDEMPOTENCY_KEY_REUSED).
   */
  async adjust(admin: AuthUser, campaignId: string, dto: CreateAdjustmentDto, idempotencyKey?: string): Promise<AdjustmentDto> {
    if (idempotencyKey !== undefined) checkIdempotencyKey(idempotencyKey);
    const adjustment = await this.dataSource.transaction(async (manager) => {
      // FOR UPDATE: total_units is read, checked and rewritten. Without the row lock two admins
      // would both read the same total and one change would be lost, with an audit trail whose
      // before/after no longer chain; and a claim committing meanwhile could raise claimed_units
      // past the new total. The lock makes adjustments and claims on this campaign take turns
      // (and requests with one Idempotency-Key: the second finds the first's adjustment).
      const campaign = await findCampaignFor(manager, admin, campaignId, 'pessimistic_write');
      const made = idempotencyKey && (await manager.findOneBy(InventoryAdjustment, { campaignId: campaign.id, adminId: admin.id, idempotencyKey }));
      if (made) {
        if (made.delta !== dto.delta || made.reason !== dto.reason.trim()) {
          throw new DomainError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used for another adjustment');
        }
        return toDto(made);
      }
      if (campaign.status === CampaignStatus.Ended) {
        throw new DomainError(ErrorCode.InvalidTransition, 'The campaign has ended: its inventory is final');
      }
      const before = campaign.totalUnits;
      const after = before + dto.delta;
      if (after < campaign.claimedUnits) {
        throw new DomainError(
          ErrorCode.InventoryBelowClaimed,
          `${campaign.claimedUnits} units are already claimed; the total cannot go to ${after}`,
          { claimedUnits: campaign.claimedUnits, totalUnitsBefore: before, requestedTotalUnits: after },
        );
      }
      // A campaign has at least one unit, as when it was created (a draft of none could not be funded).
      if (after < 1) {
        throw new DomainError(ErrorCode.ValidationFailed, `The total cannot go to ${after}: a campaign has at least one unit`, [
          { field: 'delta', errors: [`delta must leave at least 1 unit (the total is ${before})`] },
        ]);
      }
      if (after > before && campaign.perkKind === PerkKind.DigitalCode && LIVE.includes(campaign.status)) {
        // Launch guaranteed a code for every unit; raising a live total must keep that promise.
        const codesLoaded = await manager.getRepository(CampaignCode).countBy({ campaignId: campaign.id });
        if (after > codesLoaded) {
          throw new DomainError(ErrorCode.InsufficientCodes, `${after} units need ${after} codes; ${codesLoaded} are loaded`, {
            required: after,
            loaded: codesLoaded,
          });
        }
      }
      if (after > MAX_TOTAL_UNITS) {
        throw new DomainError(ErrorCode.ValidationFailed, 'Invalid input: delta', [
          { field: 'delta', errors: [`the total may not exceed ${MAX_TOTAL_UNITS} units`] },
        ]);
      }
      // Until it is funded, what the brand must pay follows the units (API.md's formula);
      // once funded it stays what was paid for.
      const funding =
        campaign.status === CampaignStatus.Draft
          ? { fundingRequiredCents: fundingRequiredCents(after, campaign.unitCostCents, this.config.platformFeeBps) }
          : {};
      await manager.update(Campaign, { id: campaign.id }, { totalUnits: after, ...funding });
      const saved = await manager.save(
        manager.create(InventoryAdjustment, {
          campaignId: campaign.id,
          adminId: admin.id,
          delta: dto.delta,
          reason: dto.reason.trim(),
          totalUnitsBefore: before,
          totalUnitsAfter: after,
          idempotencyKey: idempotencyKey ?? null,
        }),
      );
      await recordAudit(manager, {
        actorId: admin.id,
        action: 'inventory.adjust',
        entityType: 'campaign',
        entityId: campaign.id,
        before: { totalUnits: before },
        after: { totalUnits: after, delta: dto.delta, reason: saved.reason, adjustmentId: saved.id },
      });
      return toDto(saved);
    });
    // the gate's stock ceiling is the total: re-read it once the new total is committed
    await this.gate.refresh(adjustment.campaignId);
    return adjustment;
  }

  async list(admin: AuthUser, campaignId: string, query: PageQueryDto): Promise<Page<AdjustmentDto>> {
    const campaign = await findCampaignFor(this.dataSource.manager, admin, campaignId);
    const limit = query.limit;
    const after = pageCursor(query.cursor);
    const rows: AdjustmentRow[] = await this.dataSource.query(
      `SELECT id, campaign_id, admin_id, delta, reason, total_units_before, total_units_after, created_at,
              ${cursorInstantSql('created_at')} AS cursor_at
       FROM inventory_adjustments
       WHERE campaign_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id LIMIT $4`,
      [campaign.id, after?.at ?? null, after?.id ?? null, limit + 1],
    );
    return toPage(
      rows,
      limit,
      (row) => ({ at: row.cursor_at, id: row.id }),
      (row) =>
        toDto({
          id: row.id,
          campaignId: row.campaign_id,
          adminId: row.admin_id,
          delta: row.delta,
          reason: row.reason,
          totalUnitsBefore: row.total_units_before,
          totalUnitsAfter: row.total_units_after,
          createdAt: row.created_at,
        }),
    );
  }
}

function toDto(adjustment: Omit<InventoryAdjustment, 'idempotencyKey'>): AdjustmentDto {
  return {
    id: adjustment.id,
    campaignId: adjustment.campaignId,
    adminId: adjustment.adminId,
    delta: adjustment.delta,
    reason: adjustment.reason,
    totalUnitsBefore: adjustment.totalUnitsBefore,
    totalUnitsAfter: adjustment.totalUnitsAfter,
    createdAt: adjustment.createdAt.toISOString(),
  };
}

import { Fulfillment } from '@app/db';
import { ClaimStatus } from '@app/domain';
import { AdminClaimDto, ClaimDto } from './dto/claim.dto';

/** A claims row as the read queries select it (never the shipping address). */
export interface ClaimRow {
  id: string;
  campaign_id: string;
  member_id: string;
  status: ClaimStatus;
  fulfillment: Fulfillment;
  failure_reason: string | null;
  fulfillment_round: number;
  perk_kind: string;
  perk_title: string;
  created_at: Date;
  updated_at: Date;
  fulfilled_at: Date | null;
}

export const CLAIM_COLUMNS = `c.id, c.campaign_id, c.member_id, c.status, c.fulfillment, c.failure_reason, c.fulfillment_round,
  k.perk_kind, k.perk_title, c.created_at, c.updated_at, c.fulfilled_at`;

export function toClaimDto(row: ClaimRow): ClaimDto {
  const fulfillment: ClaimDto['fulfillment'] = {};
  if (row.fulfillment.code) fulfillment.code = row.fulfillment.code;
  if (row.fulfillment.trackingNumber) fulfillment.trackingNumber = row.fulfillment.trackingNumber;
  if (row.fulfillment.invitation) fulfillment.invitation = row.fulfillment.invitation;
  return {
    id: row.id,
    campaignId: row.campaign_id,
    perkTitle: row.perk_title,
    status: row.status,
    fulfillment,
    createdAt: row.created_at.toISOString(),
    fulfilledAt: row.fulfilled_at ? row.fulfilled_at.toISOString() : null,
  };
}

export function toAdminClaimDto(row: ClaimRow): AdminClaimDto {
  return {
    ...toClaimDto(row),
    memberId: row.member_id,
    perkKind: row.perk_kind,
    failureReason: row.failure_reason,
    fulfillmentRound: row.fulfillment_round,
    updatedAt: row.updated_at.toISOString(),
  };
}

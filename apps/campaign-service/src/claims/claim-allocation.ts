import { ErrorCode } from '@app/domain';

/** A campaign row as the claim writer sees it under its row lock. */
export interface StockRow {
  id: string;
  open: boolean;
  totalUnits: number;
  claimedUnits: number;
  perMemberLimit: number;
}

/** A claim already stored for one of the batch's members. */
export interface StoredClaim {
  id: string;
  campaignId: string;
  memberId: string;
  idempotencyKey: string;
  memberSlot: number;
  live: boolean;
  createdAt: Date;
}

export interface ClaimRequest {
  id: string;
  campaignId: string;
  memberId: string;
  idempotencyKey: string;
  createdAt: Date;
}

export type RefusalCode =
  | ErrorCode.SoldOut
  | ErrorCode.ClaimLimitReached
  | ErrorCode.CampaignNotActive
  | ErrorCode.IdempotencyKeyReused
  | ErrorCode.NotFound
  | ErrorCode.Unauthorized;

export type ClaimDecision =
  | { kind: 'accept'; slot: number }
  | { kind: 'replay'; claim: { id: string; campaignId: string; createdAt: Date } }
  | { kind: 'refuse'; code: RefusalCode };

/**
 * Decides a batch of claim requests in arrival order against the locked campaign rows and
 * the members' stored claims: idempotent replays first, then the account (an erased member's
 * token outlives the erasure, and a claim would store personal data again), status,
 * per-member limit (each live claim holds one slot in 1..limit) and stock. Pure, so the
 * invariants are property-tested; the caller must hold the campaign row locks while it
 * writes the result.
 */
export function allocateClaims(
  stock: ReadonlyMap<string, StockRow>,
  stored: readonly StoredClaim[],
  requests: readonly ClaimRequest[],
  erasedMembers: ReadonlySet<string> = new Set(),
): { decisions: ClaimDecision[]; claimedDelta: Map<string, number> } {
  const byKey = new Map<string, { id: string; campaignId: string; createdAt: Date }>();
  const slots = new Map<string, Set<number>>();
  for (const claim of stored) {
    byKey.set(`${claim.memberId}|${claim.idempotencyKey}`, claim);
    if (claim.live) slotSet(slots, claim.campaignId, claim.memberId).add(claim.memberSlot);
  }
  const claimedDelta = new Map<string, number>();
  const decisions = requests.map((request): ClaimDecision => {
    const key = `${request.memberId}|${request.idempotencyKey}`;
    const earlier = byKey.get(key);
    if (earlier) {
      return earlier.campaignId === request.campaignId
        ? { kind: 'replay', claim: earlier }
        : { kind: 'refuse', code: ErrorCode.IdempotencyKeyReused };
    }
    if (erasedMembers.has(request.memberId)) return { kind: 'refuse', code: ErrorCode.Unauthorized };
    const campaign = stock.get(request.campaignId);
    if (!campaign) return { kind: 'refuse', code: ErrorCode.NotFound };
    if (!campaign.open) return { kind: 'refuse', code: ErrorCode.CampaignNotActive };
    const taken = slotSet(slots, request.campaignId, request.memberId);
    if (taken.size >= campaign.perMemberLimit) return { kind: 'refuse', code: ErrorCode.ClaimLimitReached };
    const delta = claimedDelta.get(campaign.id) ?? 0;
    if (campaign.claimedUnits + delta >= campaign.totalUnits) return { kind: 'refuse', code: ErrorCode.SoldOut };
    let slot = 1;
    while (taken.has(slot)) slot++;
    taken.add(slot);
    claimedDelta.set(campaign.id, delta + 1);
    byKey.set(key, request);
    return { kind: 'accept', slot };
  });
  return { decisions, claimedDelta };
}

function slotSet(slots: Map<string, Set<number>>, campaignId: string, memberId: string): Set<number> {
  const key = `${campaignId}|${memberId}`;
  let set = slots.get(key);
  if (!set) slots.set(key, (set = new Set()));
  return set;
}

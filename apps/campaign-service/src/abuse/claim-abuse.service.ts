import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, ShippingAddress } from '@app/db';
import { decideClaimAbuse, DomainError, ErrorCode, sharedAddressDecision, shippingAddressFingerprint, VELOCITY_WINDOW_DAYS } from '@app/domain';

/** What the abuse rules need to know of a member's account (ClaimLookupsService reads it). */
export interface MemberAccount {
  createdAt: Date;
  /** claims not cancelled in the velocity window */
  recentClaims: number;
}

/** An accepted claim, as the claim writer stores it. */
export interface AcceptedClaim {
  claimId: string;
  campaignId: string;
  memberId: string;
  shippingAddress: ShippingAddress | null;
}

const decisions = new Counter({ name: 'claim_abuse_decisions_total', help: 'Claims refused or held by the abuse controls', labelNames: ['rule'] });

/**
 * The abuse controls of the claim path. `assertAllowed` refuses before anything is reserved
 * (platform velocity cap, the campaign's minimum account age); `recordAccepted` runs inside the
 * claim writer's transaction, where the campaign row is locked, so two accounts shipping to one
 * address are detected even when they claim at the same instant — the later claim is held.
 */
@Injectable()
export class ClaimAbuseService {
  /** The address fingerprints' key, derived from the platform's secret (not stored anywhere). */
  private readonly fingerprintKey: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.fingerprintKey = createHash('sha256').update(`address-fingerprint:${config.jwt.secret}`).digest('hex');
  }

  /** Whether any rule applies to claims on this campaign (else the member's account need not be read). */
  appliesTo(campaign: Pick<Campaign, 'eligibility'>): boolean {
    return this.config.claimVelocityCap > 0 || Boolean(campaign.eligibility.minAccountAgeDays);
  }

  /** `account`: the claimant's, null when the member does not exist (any more). */
  assertAllowed(campaign: Pick<Campaign, 'eligibility'>, account: MemberAccount | null): void {
    if (!this.appliesTo(campaign)) return;
    // An erased member's access token outlives the erasure (as PUT /me/profile answers it).
    if (!account) throw new DomainError(ErrorCode.Unauthorized, 'The account no longer exists');
    const decision = decideClaimAbuse(
      { now: new Date(), accountCreatedAt: account.createdAt, recentClaims: account.recentClaims, otherAccountsWithSameAddress: 0 },
      { velocityCap: this.config.claimVelocityCap, minAccountAgeDays: campaign.eligibility.minAccountAgeDays ?? null },
    );
    if (decision.outcome !== 'refuse') return;
    decisions.inc({ rule: decision.rule });
    const reason = { rule: decision.rule, required: decision.required, actual: decision.actual };
    throw decision.code === ErrorCode.NotEligible
      ? new DomainError(ErrorCode.NotEligible, 'Your account is too new for this perk', [reason])
      : new DomainError(ErrorCode.ClaimLimitReached, `You reached the limit of ${decision.required} perks per ${VELOCITY_WINDOW_DAYS} days`, reason);
  }

  /**
   * Stores the address fingerprints of accepted physical claims and holds the ones whose
   * address another account already used on the campaign. Returns the held claim ids: their
   * fulfilment waits for an admin. Call it in the transaction that inserts the claims, after
   * the campaign rows are locked.
   */
  async recordAccepted(manager: EntityManager, claims: AcceptedClaim[]): Promise<Set<string>> {
    const held = new Set<string>();
    for (const claim of claims) {
      if (!claim.shippingAddress) continue;
      const fingerprint = shippingAddressFingerprint(claim.shippingAddress, this.fingerprintKey);
      const [{ others }]: { others: number }[] = await manager.query(
        `SELECT count(DISTINCT member_id)::int AS others FROM claim_address_fingerprints
          WHERE campaign_id = $1 AND fingerprint = $2 AND member_id <> $3`,
        [claim.campaignId, fingerprint, claim.memberId],
      );
      await manager.query(`INSERT INTO claim_address_fingerprints (claim_id, campaign_id, member_id, fingerprint) VALUES ($1, $2, $3, $4)`, [
        claim.claimId,
        claim.campaignId,
        claim.memberId,
        fingerprint,
      ]);
      const decision = sharedAddressDecision(others);
      if (decision.outcome !== 'hold') continue;
      await manager.query(`INSERT INTO claim_holds (claim_id, reason, details) VALUES ($1, $2, $3)`, [
        claim.claimId,
        decision.reason,
        JSON.stringify({ otherAccounts: decision.otherAccounts }),
      ]);
      decisions.inc({ rule: decision.reason });
      held.add(claim.claimId);
    }
    return held;
  }
}

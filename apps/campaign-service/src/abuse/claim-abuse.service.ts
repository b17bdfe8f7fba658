import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, MicroBatcher, ShippingAddress } from '@app/db';
import { decideClaimAbuse, DomainError, ErrorCode, sharedAddressDecision, shippingAddressFingerprint, VELOCITY_WINDOW_DAYS } from '@app/domain';

interface MemberFacts {
  createdAt: Date;
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
  private readonly facts: MicroBatcher<string, MemberFacts | null>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Concurrent claims share one query, like the claim path's other reads.
    this.facts = new MicroBatcher((memberIds) => this.loadFacts(memberIds), {
      maxBatch: 1000,
      maxConcurrent: Math.max(1, Math.floor(config.databasePoolSize / 4)),
    });
  }

  /**
   * `facts`: what `factsFor` read, when the caller started that read early to overlap its
   * other reads (the decision and its errors stay here, in the caller's order).
   */
  async assertAllowed(
    memberId: string,
    campaign: Pick<Campaign, 'eligibility'>,
    pending: Promise<MemberFacts | null | undefined> = this.factsFor(memberId, campaign),
  ): Promise<void> {
    const minAccountAgeDays = campaign.eligibility.minAccountAgeDays ?? null;
    const facts = await pending;
    if (facts === undefined) return;
    if (!facts) throw DomainError.notFound('Member');
    const decision = decideClaimAbuse(
      { now: new Date(), accountCreatedAt: facts.createdAt, recentClaims: facts.recentClaims, otherAccountsWithSameAddress: 0 },
      { velocityCap: this.config.claimVelocityCap, minAccountAgeDays },
    );
    if (decision.outcome !== 'refuse') return;
    decisions.inc({ rule: decision.rule });
    const reason = { rule: decision.rule, required: decision.required, actual: decision.actual };
    throw decision.code === ErrorCode.NotEligible
      ? new DomainError(ErrorCode.NotEligible, 'Your account is too new for this perk', [reason])
      : new DomainError(ErrorCode.ClaimLimitReached, `You reached the limit of ${decision.required} perks per ${VELOCITY_WINDOW_DAYS} days`, reason);
  }

  /** The member facts the rules need; undefined when no rule applies to this campaign. */
  factsFor(memberId: string, campaign: Pick<Campaign, 'eligibility'>): Promise<MemberFacts | null | undefined> {
    if (!this.config.claimVelocityCap && !campaign.eligibility.minAccountAgeDays) return Promise.resolve(undefined);
    return this.facts.submit(memberId);
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
      const fingerprint = shippingAddressFingerprint(claim.shippingAddress);
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

  private async loadFacts(memberIds: string[]): Promise<(MemberFacts | null)[]> {
    const rows: { id: string; created_at: Date; recent: number }[] = await this.dataSource.query(
      `SELECT u.id, u.created_at,
              (SELECT count(*)::int FROM claims c
                WHERE c.member_id = u.id AND c.status <> 'cancelled'
                  AND c.created_at > now() - make_interval(days => $2)) AS recent
         FROM users u WHERE u.id = ANY($1::uuid[]) AND u.erased_at IS NULL`,
      [memberIds, VELOCITY_WINDOW_DAYS],
    );
    const byId = new Map(rows.map((row) => [row.id, { createdAt: row.created_at, recentClaims: row.recent }]));
    return memberIds.map((id) => byId.get(id) ?? null);
  }
}

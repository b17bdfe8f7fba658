import { Injectable, Logger } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { DomainError } from '@app/domain';
import { fulfillClaimJobId, QUEUES } from '@app/queue';
import { LiveAccounts } from '../auth/live-accounts';
import { ClaimGateService } from '../claims/claim-gate.service';
import { refreshScoreDistribution } from '../scores/score-distribution';
import { MemberExportDto } from './dto/export.dto';
import { ProfileService } from './profile.service';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

interface ClaimRow {
  id: string;
  campaign_id: string;
  status: string;
  idempotency_key: string;
  country: string | null;
  disclosure_accepted_at: Date;
  shipping_address: Record<string, unknown> | null;
  fulfillment: Record<string, unknown>;
  failure_reason: string | null;
  created_at: Date;
  fulfilled_at: Date | null;
  shipment_status: string | null;
  carrier: string | null;
  tracking_number: string | null;
  shipped_at: Date | null;
  hold_reason: string | null;
  held_at: Date | null;
  released_at: Date | null;
}

/** What an erased member's failed claims say instead of their reason. */
const ERASED_REASON = 'removed with the member’s personal data';

/** A member's right to see and to erase everything held about them. */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger(PrivacyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly profiles: ProfileService,
    private readonly gate: ClaimGateService,
    private readonly liveAccounts: LiveAccounts,
    @InjectQueue(QUEUES.fulfillment.name) private readonly fulfillmentJobs: Queue,
  ) {}

  async export(memberId: string): Promise<MemberExportDto> {
    const q = <T>(sql: string): Promise<T[]> => this.dataSource.query(sql, [memberId]);
    const [[account], scores, offers, claims, notifications, sessions] = await Promise.all([
      q<{ id: string; email: string; display_name: string | null; created_at: Date }>(
        `SELECT id, email, display_name, created_at FROM users WHERE id = $1`,
      ),
      q<{ provider: string; score: number; topics: Record<string, number>; scored_at: Date; current: boolean }>(
        `SELECT h.provider, h.score, h.topics, h.scored_at, (s.scored_at = h.scored_at) IS TRUE AS current
         FROM score_history h LEFT JOIN member_scores s ON s.provider = h.provider AND s.member_id = h.member_id
         WHERE h.member_id = $1 ORDER BY h.provider, h.scored_at`,
      ),
      q<{ campaign_id: string; perk_title: string; created_at: Date }>(
        `SELECT o.campaign_id, c.perk_title, o.created_at FROM offers o JOIN campaigns c ON c.id = o.campaign_id
         WHERE o.member_id = $1 ORDER BY o.created_at`,
      ),
      q<ClaimRow>(
        // Once a shipment is created the address lives on it (fulfillment takes it over from the claim).
        `SELECT c.id, c.campaign_id, c.status, c.idempotency_key, c.country, c.disclosure_accepted_at,
                coalesce(c.shipping_address, s.address) AS shipping_address, c.fulfillment, c.failure_reason, c.created_at, c.fulfilled_at,
                s.status AS shipment_status, s.carrier, s.tracking_number, s.shipped_at,
                h.reason AS hold_reason, h.created_at AS held_at, h.released_at
         FROM claims c LEFT JOIN shipments s ON s.claim_id = c.id LEFT JOIN claim_holds h ON h.claim_id = c.id
         WHERE c.member_id = $1 ORDER BY c.created_at`,
      ),
      q<{ id: string; kind: string; title: string; data: Record<string, unknown>; read_at: Date | null; created_at: Date }>(
        `SELECT id, kind, title, data, read_at, created_at FROM notifications WHERE member_id = $1 ORDER BY created_at`,
      ),
      // A session is a token family: rotated tokens are its renewals, the last token its state.
      q<{ started_at: Date; renewed_at: Date; expires_at: Date; revoked_at: Date | null; revoke_reason: string | null }>(
        `SELECT min(created_at) AS started_at, max(created_at) AS renewed_at,
                (array_agg(expires_at ORDER BY created_at DESC))[1] AS expires_at,
                (array_agg(revoked_at ORDER BY created_at DESC))[1] AS revoked_at,
                (array_agg(revoke_reason ORDER BY created_at DESC))[1] AS revoke_reason
         FROM refresh_tokens WHERE user_id = $1 GROUP BY family_id ORDER BY started_at`,
      ),
    ]);
    if (!account) throw DomainError.notFound('Member');
    const profile = await this.profiles.get(memberId);
    return {
      exportedAt: new Date().toISOString(),
      account: { id: account.id, email: account.email, displayName: account.display_name, createdAt: account.created_at.toISOString() },
      profile: profile.updatedAt ? profile : null,
      scores: scores.map((s) => ({ provider: s.provider, score: s.score, topics: s.topics, scoredAt: s.scored_at.toISOString(), current: s.current })),
      offers: offers.map((o) => ({ campaignId: o.campaign_id, title: o.perk_title, offeredAt: o.created_at.toISOString() })),
      claims: claims.map((c) => ({
        id: c.id,
        campaignId: c.campaign_id,
        status: c.status,
        idempotencyKey: c.idempotency_key,
        country: c.country,
        disclosureAcceptedAt: c.disclosure_accepted_at.toISOString(),
        shippingAddress: c.shipping_address,
        fulfillment: c.fulfillment,
        shipment: c.shipment_status
          ? { status: c.shipment_status, carrier: c.carrier, trackingNumber: c.tracking_number, shippedAt: iso(c.shipped_at) }
          : null,
        hold: c.hold_reason ? { reason: c.hold_reason, heldAt: c.held_at!.toISOString(), releasedAt: iso(c.released_at) } : null,
        failureReason: c.failure_reason,
        createdAt: c.created_at.toISOString(),
        fulfilledAt: iso(c.fulfilled_at),
      })),
      notifications: notifications.map((n) => ({
        id: n.id,
        kind: n.kind,
        title: n.title,
        data: n.data,
        readAt: iso(n.read_at),
        createdAt: n.created_at.toISOString(),
      })),
      sessions: sessions.map((t) => ({
        startedAt: t.started_at.toISOString(),
        lastRenewedAt: t.renewed_at.toISOString(),
        expiresAt: t.expires_at.toISOString(),
        // A rotated token is renewed, not ended: only the family's last token tells how it ended.
        endedAt: t.revoke_reason && t.revoke_reason !== 'rotated' ? iso(t.revoked_at) : null,
        endReason: t.revoke_reason && t.revoke_reason !== 'rotated' ? t.revoke_reason : null,
      })),
    };
  }

  /**
   * Erases the member's personal data in one transaction: profile, scores and their
   * history, notifications, shipping addresses and their fingerprints, and sessions go; the user row stays,
   * anonymised, so claims and offers still count for inventory, money and statistics. The claim
   * refusals kept for replays (in Redis, up to a day) go too. Claims keep their status: a parcel
   * not yet shipped has no address any more, and an admin decides (cancelling returns its unit).
   */
  async erase(memberId: string): Promise<void> {
    let jobIds: string[] = [];
    const providers = await this.dataSource.transaction(async (manager) => {
      const q = (sql: string) => manager.query(sql, [memberId]);
      // Writers of the member's personal data (profile, scores, a claim's address, a session)
      // share-lock the user row and check erased_at under it: one in flight is waited for and
      // erased below, a later one is refused.
      await q(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`);
      await q(`DELETE FROM member_profiles WHERE member_id = $1`);
      const scored: { provider: string }[] = await q(
        `WITH erased AS (DELETE FROM member_scores WHERE member_id = $1 RETURNING provider) SELECT provider FROM erased`,
      );
      await q(`DELETE FROM score_history WHERE member_id = $1`);
      await q(`DELETE FROM notifications WHERE member_id = $1`);
      // A fingerprint would still confirm a guessed address, and still hold other members' claims.
      await q(`DELETE FROM claim_address_fingerprints WHERE member_id = $1`);
      await q(`UPDATE claims SET shipping_address = NULL, updated_at = now() WHERE member_id = $1 AND shipping_address IS NOT NULL`);
      await q(
        `UPDATE shipments SET address = NULL, updated_at = now()
         WHERE address IS NOT NULL AND claim_id IN (SELECT id FROM claims WHERE member_id = $1)`,
      );
      // A carrier's refusal may quote the address it refused (name, street, city) into the reason.
      await manager.query(`UPDATE claims SET failure_reason = $2 WHERE member_id = $1 AND failure_reason IS NOT NULL`, [memberId, ERASED_REASON]);
      // Every round's job of every claim: one that failed stays failed when an admin retries or cancels its claim.
      jobIds = (
        (await q(`SELECT id, fulfillment_round FROM claims WHERE member_id = $1`)) as { id: string; fulfillment_round: number }[]
      ).flatMap((claim) => Array.from({ length: claim.fulfillment_round + 1 }, (_, round) => fulfillClaimJobId(claim.id, round)));
      await q(`UPDATE refresh_tokens SET revoked_at = now(), revoke_reason = 'logout' WHERE user_id = $1 AND revoked_at IS NULL`);
      await q(
        // A placeholder nobody can hold: sign-ups refuse the .invalid domain (and the random part
        // covers accounts made before they did).
        `UPDATE users SET email = 'erased-' || id || '-' || substr(md5(random()::text), 1, 8) || '@erased.invalid',
                          password_hash = NULL, display_name = NULL, erased_at = now()
         WHERE id = $1`,
      );
      return scored.map((s) => s.provider);
    });
    this.liveAccounts.forget(memberId);
    await this.gate.forgetMember(memberId);
    await this.forgetFailedJobs(jobIds).catch((error: Error) =>
      this.logger.warn(`erasure of ${memberId}: failed fulfillment jobs not removed: ${error.message}`),
    );
    // API.md: claims stay counted for inventory and money. A parcel not yet shipped has no address
    // now: the shipping desk refuses it, and an admin decides (cancelling returns its unit).
    // The erased scores no longer belong in the providers' percentiles (derived data: the next refresh catches up).
    for (const provider of providers) {
      await refreshScoreDistribution(this.dataSource, provider).catch((error: unknown) =>
        this.logger.warn(`erasure of ${memberId}: ${provider} percentiles not refreshed: ${(error as Error).message}`),
      );
    }
  }

  /**
   * Failed jobs are kept for admins, and with them the failure's text (which may quote the
   * address) in the job, its stack and the queue's events stream: they go. Jobs in any other
   * state are left to run or are already gone (completed ones are removed at once).
   */
  private async forgetFailedJobs(jobIds: string[]): Promise<void> {
    const states = await Promise.all(jobIds.map((jobId) => this.fulfillmentJobs.getJobState(jobId)));
    const failed = new Set(jobIds.filter((_, i) => states[i] === 'failed'));
    if (!failed.size) return;
    await Promise.all([...failed].map((jobId) => this.fulfillmentJobs.remove(jobId)));
    // ioredis underneath (BullMQ's own client type lists only the commands BullMQ uses).
    const redis = (await this.fulfillmentJobs.getBackend().client) as unknown as Redis;
    const stream = this.fulfillmentJobs.keys.events;
    // The stream is capped (10,000 events by default): one pass over it, a page at a time.
    for (let start = '-'; ; ) {
      const page: [string, string[]][] = await redis.xrange(stream, start, '+', 'COUNT', 1000);
      const ids = page.filter(([, fields]) => failed.has(fields[fields.indexOf('jobId') + 1])).map(([id]) => id);
      if (ids.length) await redis.xdel(stream, ...ids);
      if (page.length < 1000) return;
      start = `(${page[page.length - 1][0]}`;
    }
  }
}

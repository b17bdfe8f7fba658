import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Campaign, cursorInstantSql, invalidCursor, Page, pageCursor, toPage } from '@app/db';
import { CampaignStatus, compareCodePoints, DomainError, PerkKind, UUID, percentileOf } from '@app/domain';
import { EligibilityService } from '../eligibility/eligibility.service';
import { EligibilityResultDto, MemberScoreDto, MemberPerkDto, PerkStatus } from './dto/member-views.dto';

/** What a scores cursor holds: a provider name, as SCORE_PROVIDER_KEYS spells them. */
const PROVIDER_CURSOR = /^[\w.-]{1,100}$/;

/** Campaigns a member may ask about: launched ones; drafts and unlaunched funded ones stay private to the brand. */
const PUBLIC_STATUSES = [CampaignStatus.Scheduled, CampaignStatus.Active, CampaignStatus.Paused, CampaignStatus.Ended];

interface PerkRow {
  campaign_id: string;
  perk_title: string;
  perk_kind: PerkKind;
  brand_name: string;
  ends_at: Date;
  remaining_units: number;
  claimed: boolean;
  offered_at: string;
}

/** The member's ($1) offers on campaigns taking claims, the feed's rows. */
const LIVE_OFFERS = `
  SELECT c.id AS campaign_id, c.perk_title, c.perk_kind, b.name AS brand_name, c.ends_at,
         greatest(c.total_units - c.claimed_units, 0) AS remaining_units,
         EXISTS (SELECT 1 FROM claims cl WHERE cl.campaign_id = c.id AND cl.member_id = $1 AND cl.status IN ('pending', 'fulfilled')) AS claimed,
         ${cursorInstantSql('o.created_at')} AS offered_at
  FROM offers o
  JOIN campaigns c ON c.id = o.campaign_id
  JOIN brands b ON b.id = c.brand_id
  WHERE o.member_id = $1 AND c.status = 'active' AND NOT c.claims_frozen AND c.ends_at > now()`;

function toPerk(row: PerkRow): MemberPerkDto {
  return {
    campaignId: row.campaign_id,
    title: row.perk_title,
    kind: row.perk_kind,
    brandName: row.brand_name,
    endsAt: row.ends_at.toISOString(),
    remainingUnits: row.remaining_units,
    status: row.claimed ? PerkStatus.Claimed : row.remaining_units <= 0 ? PerkStatus.SoldOut : PerkStatus.Available,
  };
}

/** What a member sees of their scores, perks and eligibility. */
@Injectable()
export class MemberViewsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly eligibility: EligibilityService,
  ) {}

  /** The member's current score per provider, by provider name; the cursor is the last provider shown. */
  async scores(memberId: string, limit: number, rawCursor: string | undefined): Promise<Page<MemberScoreDto>> {
    const after = rawCursor ? Buffer.from(rawCursor, 'base64url').toString('utf8') : null;
    if (after !== null && (!PROVIDER_CURSOR.test(after) || Buffer.from(after).toString('base64url') !== rawCursor)) {
      throw invalidCursor();
    }
    const rows: { provider: string; score: number; topics: Record<string, number>; scored_at: Date; thresholds: number[] | null }[] =
      await this.dataSource.query(
        `SELECT s.provider, s.score, s.topics, s.scored_at, d.thresholds
         FROM member_scores s LEFT JOIN score_distributions d ON d.provider = s.provider
         WHERE s.member_id = $1 AND ($2::text IS NULL OR s.provider > $2) ORDER BY s.provider LIMIT $3`,
        [memberId, after, limit + 1],
      );
    const page = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? Buffer.from(page[page.length - 1].provider).toString('base64url') : null;
    const items = page.map((row) => ({
      provider: row.provider,
      score: row.score,
      percentile: percentileOf(row.thresholds, row.score),
      topics: Object.entries(row.topics)
        .map(([topic, score]) => ({ topic, score }))
        .sort((a, b) => b.score - a.score || compareCodePoints(a.topic, b.topic)),
      scoredAt: row.scored_at.toISOString(),
    }));
    return { items, nextCursor };
  }

  /** Offers on active campaigns, newest offer first. */
  async perks(memberId: string, limit: number, rawCursor: string | undefined): Promise<Page<MemberPerkDto>> {
    const cursor = pageCursor(rawCursor);
    const rows: PerkRow[] = await this.dataSource.query(
      `${LIVE_OFFERS}
         AND ($2::timestamptz IS NULL OR (o.created_at, o.campaign_id) < ($2::timestamptz, $3::uuid))
       ORDER BY o.created_at DESC, o.campaign_id DESC
       LIMIT $4`,
      [memberId, cursor?.at ?? null, cursor?.id ?? null, limit + 1],
    );
    return toPage(rows, limit, (row) => ({ at: row.offered_at, id: row.campaign_id }), toPerk);
  }

  /** One perk of the feed, as the feed shows it; 404 unless it is offered to the member and live. */
  async perk(memberId: string, campaignId: string): Promise<MemberPerkDto> {
    if (!UUID.test(campaignId)) throw DomainError.notFound('Perk');
    const [row]: PerkRow[] = await this.dataSource.query(`${LIVE_OFFERS} AND o.campaign_id = $2`, [memberId, campaignId]);
    if (!row) throw DomainError.notFound('Perk');
    return toPerk(row);
  }

  /** Why the member does or does not qualify, also for campaigns they were never offered. */
  async eligibilityFor(memberId: string, campaignId: string): Promise<EligibilityResultDto> {
    if (!UUID.test(campaignId)) throw DomainError.notFound('Campaign');
    const campaign = await this.dataSource.getRepository(Campaign).findOneBy({ id: campaignId });
    // Members never saw a campaign ended (cancelled) before it was launched: it answers as a draft does.
    const seen = campaign && PUBLIC_STATUSES.includes(campaign.status) && (campaign.status !== CampaignStatus.Ended || campaign.launchedAt !== null);
    if (!seen) throw DomainError.notFound('Campaign');
    // The claim's own rule: an offer stays valid for the campaign's life, even after the score drops,
    // while the member's profile meets the campaign (matching withdraws it soon after it stops).
    const [{ offered }]: { offered: boolean }[] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM offers WHERE campaign_id = $1 AND member_id = $2) AS offered`,
      [campaign.id, memberId],
    );
    const { eligible, reasons } = await this.eligibility.explain(memberId, campaign, offered ? 'profile' : 'all');
    return { eligible, reasons: reasons.map(({ rule, required, actual }) => ({ rule, required, actual })) };
  }
}

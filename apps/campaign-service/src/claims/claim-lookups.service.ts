import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, MicroBatcher, preparedQuery, readBatching } from '@app/db';
import { MemberFacts, VELOCITY_WINDOW_DAYS } from '@app/domain';
import { MemberAccount } from '../abuse/claim-abuse.service';
import type { ReservedClaim } from './claim-gate.service';

const CAMPAIGN_TTL_MS = 5000;
/** An offer is withdrawn when the member's profile stops meeting the campaign's (matching-service). */
const OFFER_TTL_MS = 5000;
const OFFER_CACHE_MAX = 50_000;

/** The member's own facts the profile rules read (opt-in, country, age). */
export type ProfileFacts = Pick<MemberFacts, 'hasProfile' | 'optedIn' | 'country' | 'birthDate'>;

export interface Claimant {
  /** the campaign offered this member the perk at launch */
  offered: boolean;
  /** what an offer must keep meeting; read with the offer (so cached as long) */
  profile: ProfileFacts;
  /** null when not asked for, or when the member does not exist (any more) */
  account: MemberAccount | null;
  /** the member erased their account (their access token outlives it); false when the offer was cached */
  erased: boolean;
}

interface ClaimantQuery {
  campaignId: string;
  memberId: string;
  withAccount: boolean;
}

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * The reads of the claim hot path, cached briefly and batched: a burst of claims on one
 * campaign reads its row about once every CAMPAIGN_TTL_MS, and concurrent offer checks share one query.
 */
@Injectable()
export class ClaimLookupsService {
  private readonly campaigns = new Map<string, Cached<Campaign | null>>();
  private readonly campaignLoads = new Map<string, Promise<Campaign | null>>();
  private readonly campaignRows: MicroBatcher<string, Campaign | null>;
  /** loadCampaigns' statement, built once from the entity's columns */
  private campaignSql?: string;
  private readonly offers = new Map<string, Cached<ProfileFacts>>();
  private readonly claimants: MicroBatcher<ClaimantQuery, Claimant>;
  private readonly claimsByKey: MicroBatcher<{ memberId: string; key: string }, ReservedClaim | null>;
  private readonly memberClaims: MicroBatcher<{ campaignId: string; memberId: string }, number>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.campaignRows = new MicroBatcher((ids) => this.loadCampaigns(ids), readBatching(config.databasePoolSize));
    this.claimants = new MicroBatcher((queries) => this.loadClaimants(queries), readBatching(config.databasePoolSize));
    this.claimsByKey = new MicroBatcher((keys) => this.loadClaimsByKey(keys), readBatching(config.databasePoolSize));
    this.memberClaims = new MicroBatcher((pairs) => this.countLiveClaims(pairs), readBatching(config.databasePoolSize));
  }

  /**
   * The campaign row, at most CAMPAIGN_TTL_MS old when its last use was: an older row is still
   * answered once while a fresh one loads, so a burst never waits on the reload. (Status changes
   * made here drop the row at once; the claim gate, shared in Redis, closes a campaign paused
   * elsewhere at once too.)
   */
  async campaign(id: string): Promise<Campaign | null> {
    const hit = this.campaigns.get(id);
    if (hit && hit.expires > Date.now()) return hit.value;
    const loading = this.reload(id);
    if (!hit?.value) return loading;
    loading.catch(() => undefined);
    return hit.value;
  }

  /** The row as read at most `maxAgeMs` ago: for answers the cached row must not decide alone. */
  recentCampaign(id: string, maxAgeMs: number): Promise<Campaign | null> {
    const hit = this.campaigns.get(id);
    if (hit && hit.expires - CAMPAIGN_TTL_MS >= Date.now() - maxAgeMs) return Promise.resolve(hit.value);
    return this.reload(id);
  }

  private reload(id: string): Promise<Campaign | null> {
    let pending = this.campaignLoads.get(id);
    if (!pending) {
      pending = this.campaignRows
        .submit(id)
        .then((campaign) => {
          this.campaigns.set(id, { value: campaign, expires: Date.now() + CAMPAIGN_TTL_MS });
          return campaign;
        })
        .finally(() => this.campaignLoads.delete(id));
      this.campaignLoads.set(id, pending);
    }
    return pending;
  }

  /** Drops the cached row so the next claim sees a status or stock change at once. */
  forgetCampaign(id: string): void {
    this.campaigns.delete(id);
  }

  /**
   * Who is claiming: whether the campaign offered them the perk, and (`withAccount`) the account
   * facts of the abuse rules. Concurrent claims share one query; a known offer with no account
   * to read costs none.
   */
  async claimant(campaignId: string, memberId: string, withAccount: boolean): Promise<Claimant> {
    const key = `${campaignId}|${memberId}`;
    const hit = this.offers.get(key);
    if (!withAccount && hit && hit.expires > Date.now()) return { offered: true, profile: hit.value, account: null, erased: false };
    const found = await this.claimants.submit({ campaignId, memberId, withAccount });
    if (found.offered) {
      if (this.offers.size >= OFFER_CACHE_MAX) this.offers.delete(this.offers.keys().next().value as string);
      this.offers.set(key, { value: found.profile, expires: Date.now() + OFFER_TTL_MS });
    }
    return found;
  }

  /** The claim a member made with this Idempotency-Key, if any (the answer to replay). */
  claimByKey(memberId: string, key: string): Promise<ReservedClaim | null> {
    return this.claimsByKey.submit({ memberId, key });
  }

  /**
   * Campaign rows as the repository would return them, without its query builder: with many live
   * campaigns some row is reloaded every few milliseconds, and building and hydrating each one
   * through `findOne` took about a tenth of the service's CPU under claim-spread's load.
   */
  private async loadCampaigns(ids: string[]): Promise<(Campaign | null)[]> {
    const metadata = this.dataSource.getMetadata(Campaign);
    const driver = this.dataSource.driver as PostgresDriver;
    this.campaignSql ??= `SELECT ${metadata.columns.map((column) => `"${column.databaseName}"`).join(', ')} FROM campaigns WHERE id = ANY($1::uuid[])`;
    const rows = await preparedQuery<Record<string, unknown>>(this.dataSource, 'claim-campaigns', this.campaignSql, [ids]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (!row) return null;
      const campaign = metadata.create() as Campaign;
      for (const column of metadata.columns) column.setEntityValue(campaign, driver.prepareHydratedValue(row[column.databaseName], column));
      return campaign;
    });
  }

  /** The member's live claims on the campaign (pending or fulfilled: what the per-member limit counts). */
  liveClaims(campaignId: string, memberId: string): Promise<number> {
    return this.memberClaims.submit({ campaignId, memberId });
  }

  private async countLiveClaims(pairs: { campaignId: string; memberId: string }[]): Promise<number[]> {
    const rows = await preparedQuery<{ n: number }>(
      this.dataSource,
      'claim-live-count',
      `SELECT (SELECT count(*)::int FROM claims c
               WHERE c.campaign_id = x.campaign_id AND c.member_id = x.member_id AND c.status IN ('pending', 'fulfilled')) AS n
       FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS x(campaign_id, member_id, i)
       ORDER BY x.i`,
      [pairs.map((p) => p.campaignId), pairs.map((p) => p.memberId)],
    );
    return rows.map((row) => row.n);
  }

  private async loadClaimsByKey(keys: { memberId: string; key: string }[]): Promise<(ReservedClaim | null)[]> {
    const rows = await preparedQuery<{ i: string; id: string; campaign_id: string; created_at: Date }>(
      this.dataSource,
      'claim-by-key',
      `SELECT x.i, c.id, c.campaign_id, c.created_at
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS x(member_id, key, i)
       JOIN claims c ON c.member_id = x.member_id AND c.idempotency_key = x.key`,
      [keys.map((k) => k.memberId), keys.map((k) => k.key)],
    );
    const byIndex = new Map(rows.map((row) => [Number(row.i) - 1, row]));
    return keys.map((_, i) => {
      const row = byIndex.get(i);
      return row ? { id: row.id, campaignId: row.campaign_id, createdAt: row.created_at.toISOString() } : null;
    });
  }

  private async loadClaimants(queries: ClaimantQuery[]): Promise<Claimant[]> {
    const rows = await preparedQuery<{
      offered: boolean;
      erased: boolean;
      has_profile: boolean;
      opted_in: boolean | null;
      country: string | null;
      birth_date: string | null;
      created_at: Date | null;
      recent: number | null;
    }>(
      this.dataSource,
      'claim-claimants',
      `SELECT EXISTS (SELECT 1 FROM offers o WHERE o.campaign_id = x.campaign_id AND o.member_id = x.member_id) AS offered,
              u.erased_at IS NOT NULL AS erased,
              p.member_id IS NOT NULL AS has_profile, p.opted_in, p.country, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date,
              a.created_at,
              -- The window in hours: days are calendar days in the session's time zone, 23 or 25 hours across a DST change.
              CASE WHEN a.id IS NOT NULL THEN
                (SELECT count(*)::int FROM claims c
                  WHERE c.member_id = a.id AND c.status <> 'cancelled' AND c.created_at > now() - make_interval(hours => $4 * 24))
              END AS recent
       FROM unnest($1::uuid[], $2::uuid[], $3::bool[]) WITH ORDINALITY AS x(campaign_id, member_id, with_account, i)
       LEFT JOIN users u ON u.id = x.member_id
       LEFT JOIN member_profiles p ON p.member_id = x.member_id
       -- the account facts, when asked for, of an account that is not erased
       LEFT JOIN LATERAL (SELECT u.id, u.created_at WHERE x.with_account AND u.erased_at IS NULL) a ON true
       ORDER BY x.i`,
      [queries.map((q) => q.campaignId), queries.map((q) => q.memberId), queries.map((q) => q.withAccount), VELOCITY_WINDOW_DAYS],
    );
    return rows.map((row) => ({
      offered: row.offered,
      profile: { hasProfile: row.has_profile, optedIn: row.opted_in ?? false, country: row.country, birthDate: row.birth_date },
      erased: row.erased,
      account: row.created_at ? { createdAt: row.created_at, recentClaims: row.recent ?? 0 } : null,
    }));
  }
}

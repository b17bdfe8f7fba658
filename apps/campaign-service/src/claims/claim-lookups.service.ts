import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Campaign, MicroBatcher } from '@app/db';

const CAMPAIGN_TTL_MS = 5000;
const OFFER_TTL_MS = 5 * 60_000;
const OFFER_CACHE_MAX = 200_000;

interface Cached<T> {
  value: T;
  expires: number;
}

/**
 * The reads of the claim hot path, cached briefly and batched: a burst of claims on one
 * campaign reads its row about once a second, and concurrent offer checks share one query.
 * Only answers that cannot flip back are cached long (an offer is never taken back).
 */
@Injectable()
export class ClaimLookupsService {
  private readonly campaigns = new Map<string, Cached<Campaign | null>>();
  private readonly campaignLoads = new Map<string, Promise<Campaign | null>>();
  private readonly offers = new Map<string, number>();
  private readonly offerBatcher: MicroBatcher<{ campaignId: string; memberId: string }, boolean>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.offerBatcher = new MicroBatcher((pairs) => this.loadOffers(pairs), {
      maxBatch: 1000,
      maxConcurrent: Math.max(1, Math.floor(config.databasePoolSize / 4)),
    });
  }

  async campaign(id: string): Promise<Campaign | null> {
    const hit = this.campaigns.get(id);
    if (hit && hit.expires > Date.now()) return hit.value;
    let pending = this.campaignLoads.get(id);
    if (!pending) {
      pending = this.dataSource
        .getRepository(Campaign)
        .findOne({ where: { id } })
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

  async hasOffer(campaignId: string, memberId: string): Promise<boolean> {
    const key = `${campaignId}|${memberId}`;
    const expires = this.offers.get(key);
    if (expires && expires > Date.now()) return true;
    const found = await this.offerBatcher.submit({ campaignId, memberId });
    if (found) {
      if (this.offers.size >= OFFER_CACHE_MAX) this.offers.delete(this.offers.keys().next().value as string);
      this.offers.set(key, Date.now() + OFFER_TTL_MS);
    }
    return found;
  }

  private async loadOffers(pairs: { campaignId: string; memberId: string }[]): Promise<boolean[]> {
    const rows: { campaign_id: string; member_id: string }[] = await this.dataSource.query(
      `SELECT o.campaign_id, o.member_id FROM offers o
       JOIN unnest($1::uuid[], $2::uuid[]) AS x(campaign_id, member_id)
         ON o.campaign_id = x.campaign_id AND o.member_id = x.member_id`,
      [pairs.map((p) => p.campaignId), pairs.map((p) => p.memberId)],
    );
    const found = new Set(rows.map((r) => `${r.campaign_id}|${r.member_id}`));
    return pairs.map((p) => found.has(`${p.campaignId}|${p.memberId}`));
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { Campaign } from '@app/db';
import { CampaignStatus, ELIGIBLE_MEMBERS_FROM, eligibilitySql } from '@app/domain';
import { enqueueInTransaction, jobIdFor } from '@app/queue';
import { loadEvaluationContext } from './evaluation-context';

export const DEFAULT_MATCH_CHUNK = 50_000;
const FIRST_ID = '00000000-0000-0000-0000-000000000000';
const LAST_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

const offersWritten = new Counter({ name: 'matching_offers_created_total', help: 'Offers written by matching' });

export interface MatchCampaignOptions {
  /** scored members examined per transaction */
  chunkSize?: number;
  /** called after each committed chunk (progress reporting; tests use it to crash a run mid-way) */
  afterChunk?: (progress: { throughMemberId: string; offersCreated: number }) => void | Promise<void>;
}

export type MatchCampaignResult =
  | { outcome: 'matched'; offersCreated: number; chunks: number }
  | { outcome: 'skipped'; reason: 'not_found' | 'not_active' | 'already_matched' };

/**
 * Writes the offers of a newly active campaign. The provider's scored members are walked
 * in member-id order, one bounded chunk per transaction: each chunk is one set-based
 * INSERT … SELECT of the eligible members, the notify job for it, and the run's progress,
 * committed together. A worker killed mid-run resumes after the last committed chunk;
 * ON CONFLICT makes a re-run chunk harmless. Nothing is loaded into the worker's memory.
 */
@Injectable()
export class CampaignMatcher {
  private readonly logger = new Logger(CampaignMatcher.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async matchCampaign(campaignId: string, options: MatchCampaignOptions = {}): Promise<MatchCampaignResult> {
    const chunkSize = options.chunkSize ?? DEFAULT_MATCH_CHUNK;
    const campaign = await this.dataSource.getRepository(Campaign).findOneBy({ id: campaignId });
    if (!campaign) return { outcome: 'skipped', reason: 'not_found' };
    // A campaign paused right after launch still gets its offers: resuming does not re-run matching.
    if (![CampaignStatus.Active, CampaignStatus.Paused].includes(campaign.status)) return { outcome: 'skipped', reason: 'not_active' };

    const [run]: { last_member_id: string | null; finished_at: Date | null }[] = await this.dataSource.query(
      `INSERT INTO matching_runs (campaign_id) VALUES ($1)
       ON CONFLICT (campaign_id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id
       RETURNING last_member_id, finished_at`,
      [campaignId],
    );
    if (run.finished_at) return { outcome: 'skipped', reason: 'already_matched' };

    const rules = campaign.eligibility;
    const ctx = await loadEvaluationContext(this.dataSource.manager, rules.provider);
    const { where, params } = eligibilitySql(rules, ctx, 4);
    const insertChunk = `
      WITH created AS (
        INSERT INTO offers (campaign_id, member_id)
        SELECT $1, s.member_id FROM ${ELIGIBLE_MEMBERS_FROM}
        WHERE s.member_id > $2 AND s.member_id <= $3 AND ${where}
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS created FROM created`;

    let after = run.last_member_id ?? FIRST_ID;
    let offersCreated = 0;
    let chunks = 0;
    for (let finished = false; !finished; ) {
      const chunk = await this.dataSource.transaction(async (manager) => {
        const [boundary]: { member_id: string }[] = await manager.query(
          `SELECT member_id FROM member_scores WHERE provider = $1 AND member_id > $2 ORDER BY member_id OFFSET $3 LIMIT 1`,
          [rules.provider, after, chunkSize - 1],
        );
        const through = boundary?.member_id ?? LAST_ID;
        const [{ created }]: { created: number }[] = await manager.query(insertChunk, [campaignId, after, through, ...params]);
        if (created > 0) {
          await enqueueInTransaction(manager, {
            queue: 'notifications',
            name: 'notify-offers',
            data: { campaignId, afterMemberId: after, throughMemberId: through },
            jobId: jobIdFor('notify-offers', campaignId, through),
          });
        }
        await manager.query(
          `UPDATE matching_runs SET last_member_id = $2, offers_created = offers_created + $3,
             finished_at = CASE WHEN $4 THEN now() END
           WHERE campaign_id = $1`,
          [campaignId, through, created, !boundary],
        );
        return { through, created, last: !boundary };
      });
      after = chunk.through;
      offersCreated += chunk.created;
      chunks++;
      finished = chunk.last;
      offersWritten.inc(chunk.created);
      await options.afterChunk?.({ throughMemberId: chunk.through, offersCreated });
    }
    this.logger.log(`campaign ${campaignId}: ${offersCreated} offers in ${chunks} chunks`);
    return { outcome: 'matched', offersCreated, chunks };
  }
}

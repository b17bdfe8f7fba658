import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { Campaign, loadEvaluationContext } from '@app/db';
import { CampaignStatus, ELIGIBLE_MEMBERS_FROM, eligibilitySql } from '@app/domain';
import { enqueueInTransaction, jobIdFor } from '@app/queue';
import { OFFERABLE_CAMPAIGN } from './offerable-campaigns';

/** Score rows examined per transaction (a target: chunks are whole heap blocks). */
const DEFAULT_MATCH_CHUNK = 50_000;
/** Rows per block assumed before the table was ever analysed. */
const DEFAULT_ROWS_PER_BLOCK = 50;

const offersWritten = new Counter({ name: 'matching_offers_created_total', help: 'Offers written by matching' });

export interface MatchCampaignOptions {
  /** score rows examined per transaction */
  chunkSize?: number;
  /** called after each committed chunk (progress reporting; tests use it to crash a run mid-way) */
  afterChunk?: (progress: { nextBlock: number; offersCreated: number }) => void | Promise<void>;
}

export type MatchCampaignResult =
  | { outcome: 'matched' | 'stopped'; offersCreated: number; chunks: number }
  | { outcome: 'skipped'; reason: 'not_found' | 'not_active' | 'already_matched' };

/**
 * Writes the offers of a newly active campaign. member_scores is walked in physical block
 * ranges (a TID range scan: together one sequential pass, like a single INSERT … SELECT),
 * one bounded chunk per transaction: the chunk's set-based INSERT … SELECT of eligible
 * members and the run's progress commit together, and the last chunk also enqueues the
 * run's notify-offers job. A worker killed mid-run resumes at the next uncommitted block;
 * ON CONFLICT makes any overlap harmless. A score or profile row that moves during the run
 * (an update) belongs to a member who is re-matched by match-member anyway. No member row
 * reaches the worker's memory.
 */
@Injectable()
export class CampaignMatcher {
  private readonly logger = new Logger(CampaignMatcher.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async matchCampaign(campaignId: string, options: MatchCampaignOptions = {}): Promise<MatchCampaignResult> {
    const campaign = await this.dataSource.getRepository(Campaign).findOneBy({ id: campaignId });
    if (!campaign) return { outcome: 'skipped', reason: 'not_found' };
    // A campaign paused right after launch still gets its offers: resuming does not re-run matching.
    if (![CampaignStatus.Active, CampaignStatus.Paused].includes(campaign.status)) return { outcome: 'skipped', reason: 'not_active' };

    const [run]: { next_block: string; finished_at: Date | null }[] = await this.dataSource.query(
      `INSERT INTO matching_runs (campaign_id) VALUES ($1)
       ON CONFLICT (campaign_id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id
       RETURNING next_block, finished_at`,
      [campaignId],
    );
    if (run.finished_at) return { outcome: 'skipped', reason: 'already_matched' };

    const rules = campaign.eligibility;
    const ctx = await loadEvaluationContext(this.dataSource.manager, rules.provider);
    const { where, params } = eligibilitySql(rules, ctx, 4);
    const insertChunk = `
      WITH created AS (
        INSERT INTO offers (campaign_id, member_id)
        SELECT $1::uuid, s.member_id FROM ${ELIGIBLE_MEMBERS_FROM}
        WHERE s.ctid >= $2::tid AND s.ctid < $3::tid AND ${where}
        ON CONFLICT DO NOTHING
        RETURNING 1
      )
      SELECT count(*)::int AS created FROM created`;

    const blocksPerChunk = await this.blocksPerChunk(options.chunkSize ?? DEFAULT_MATCH_CHUNK);
    let next = Number(run.next_block);
    let offersCreated = 0;
    let chunks = 0;
    let stopped = false;
    for (let finished = false; !finished; ) {
      const chunk = await this.dataSource.transaction(async (manager) => {
        // A campaign ended (or past its end, its end job still to run) needs no more offers nor notifications.
        const [live] = await manager.query(`SELECT 1 FROM campaigns WHERE id = $1 AND ${OFFERABLE_CAMPAIGN}`, [campaignId]);
        if (!live) {
          await manager.query(`UPDATE matching_runs SET finished_at = now() WHERE campaign_id = $1`, [campaignId]);
          return { upTo: next, created: 0, last: true, stopped: true };
        }
        const upTo = next + blocksPerChunk;
        const [{ created }]: { created: number }[] = await manager.query(insertChunk, [campaignId, `(${next},0)`, `(${upTo},0)`, ...params]);
        // Rows appended after this point belong to members whose ingestion enqueues match-member.
        const last = upTo >= (await this.tableBlocks(manager));
        if (last) {
          // One job notifies the whole run in batches; it commits with the run's end, so it is never lost.
          await enqueueInTransaction(manager, {
            queue: 'notifications',
            name: 'notify-offers',
            data: { campaignId },
            jobId: jobIdFor('notify-offers', campaignId, 'launch'),
          });
        }
        await manager.query(
          `UPDATE matching_runs SET next_block = $2, offers_created = offers_created + $3, finished_at = CASE WHEN $4 THEN now() END
           WHERE campaign_id = $1`,
          [campaignId, upTo, created, last],
        );
        return { upTo, created, last, stopped: false };
      });
      if (chunk.stopped) {
        stopped = true;
        break;
      }
      next = chunk.upTo;
      offersCreated += chunk.created;
      chunks++;
      finished = chunk.last;
      offersWritten.inc(chunk.created);
      await options.afterChunk?.({ nextBlock: next, offersCreated });
    }
    this.logger.log(`campaign ${campaignId}: ${offersCreated} offers in ${chunks} chunks${stopped ? ', stopped: the campaign is no longer live' : ''}`);
    return { outcome: stopped ? 'stopped' : 'matched', offersCreated, chunks };
  }

  private async tableBlocks(manager: EntityManager): Promise<number> {
    const [{ blocks }] = await manager.query(
      `SELECT (pg_relation_size('member_scores') / current_setting('block_size')::int)::bigint AS blocks`,
    );
    return Number(blocks);
  }

  private async blocksPerChunk(chunkRows: number): Promise<number> {
    const [{ rows, blocks }] = await this.dataSource.query(
      `SELECT reltuples AS rows, relpages AS blocks FROM pg_class WHERE oid = 'member_scores'::regclass`,
    );
    const rowsPerBlock = rows > 0 && blocks > 0 ? rows / blocks : DEFAULT_ROWS_PER_BLOCK;
    return Math.max(1, Math.round(chunkRows / rowsPerBlock));
  }
}

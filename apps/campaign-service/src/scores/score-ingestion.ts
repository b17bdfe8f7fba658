import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobPayloads, OUTBOX_CHANNEL, QUEUES } from '@app/queue';
import { parseScoreItem, ScoreItem, ScoreRejectionCode } from './score-item';
import { lockScoreDistribution, refreshScoreDistribution } from './score-distribution';

export const MAX_SCORE_BATCH = 10_000;

export interface ScoreRejection {
  index: number;
  code: ScoreRejectionCode;
  message: string;
}

export interface IngestionResult {
  accepted: number;
  rejected: ScoreRejection[];
  /** members whose current score changed (new, or a newer scoredAt) */
  updated: number;
}

const MATCH_MEMBER: keyof JobPayloads = 'match-member';

/**
 * Writes a provider's score batch set-based: history and current scores in one statement,
 * then the provider's distribution. Plain class so the HTTP service and the CSV import
 * share it.
 */
export class ScoreIngestion {
  private readonly logger = new Logger(ScoreIngestion.name);

  constructor(private readonly dataSource: DataSource) {}

  async ingest(provider: string, scoredAt: Date, rawItems: unknown[], options: { refreshDistribution?: boolean } = {}): Promise<IngestionResult> {
    const rejected: ScoreRejection[] = [];
    const parsed: { index: number; item: ScoreItem }[] = [];
    const seen = new Set<string>();
    rawItems.forEach((raw, index) => {
      const result = parseScoreItem(raw);
      if (!result.ok) return rejected.push({ index, code: result.code, message: result.message });
      if (seen.has(result.item.memberId)) {
        return rejected.push({ index, code: ScoreRejectionCode.DuplicateItem, message: 'memberId appears earlier in this batch' });
      }
      seen.add(result.item.memberId);
      parsed.push({ index, item: result.item });
    });

    const known = await this.knownMembers(parsed.map((p) => p.item.memberId));
    const accepted: ScoreItem[] = [];
    for (const { index, item } of parsed) {
      if (known.has(item.memberId)) accepted.push(item);
      else rejected.push({ index, code: ScoreRejectionCode.UnknownMember, message: 'no member with this id' });
    }
    rejected.sort((a, b) => a.index - b.index);

    const updated = accepted.length ? await this.write(provider, scoredAt, accepted) : 0;
    if (updated && options.refreshDistribution !== false) {
      // The scores are stored: a refresh that fails is caught up by the next one, not a failed batch
      // (a resent batch changes nothing, so it would not refresh again).
      await refreshScoreDistribution(this.dataSource, provider).catch((error: unknown) =>
        this.logger.warn(`${provider} percentiles not refreshed: ${(error as Error).message}`),
      );
    }
    return { accepted: accepted.length, rejected, updated };
  }

  private async knownMembers(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM users WHERE id = ANY($1::uuid[]) AND role = 'member' AND erased_at IS NULL`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * History is keyed (provider, member, scoredAt) so a replay inserts nothing; the current
   * score moves only forward in time. Rows go in member-id order so two overlapping batches
   * take their row locks in the same order and cannot deadlock. Members whose current score changed get a
   * match-member job in the same transaction (outbox), when the provider has live campaigns. The
   * members' rows are share-locked as they are read: an erasure in flight is waited for, and its
   * member's scores are then left out instead of outliving it. A job carries `scoresAt`, a time
   * after which a stored distribution counts this batch (see lockScoreDistribution).
   */
  private async write(provider: string, scoredAt: Date, items: ScoreItem[]): Promise<number> {
    const rows = items.map((i) => ({ member_id: i.memberId, score: i.score, topics: i.topics }));
    return this.dataSource.transaction(async (manager) => {
      await lockScoreDistribution(manager, provider, 'batch');
      const [result]: { changed: number; jobs: number }[] = await manager.query(
        `WITH input AS (
           SELECT x.member_id, x.score, x.topics FROM jsonb_to_recordset($2::jsonb) AS x(member_id uuid, score float8, topics jsonb)
           JOIN users u ON u.id = x.member_id AND u.erased_at IS NULL
           FOR SHARE OF u
         ),
         history AS (
           INSERT INTO score_history (provider, member_id, scored_at, score, topics)
           SELECT $1, member_id, $3, score, topics FROM input ORDER BY member_id
           ON CONFLICT DO NOTHING
         ),
         changed AS (
           INSERT INTO member_scores AS c (provider, member_id, score, topics, scored_at)
           SELECT $1, member_id, score, topics, $3 FROM input ORDER BY member_id
           ON CONFLICT (provider, member_id) DO UPDATE
             SET score = EXCLUDED.score, topics = EXCLUDED.topics, scored_at = EXCLUDED.scored_at, updated_at = now()
             WHERE c.scored_at < EXCLUDED.scored_at
           RETURNING member_id
         ),
         jobs AS (
           INSERT INTO outbox (queue, job_name, job_id, payload)
           SELECT $4, $5, $5 || '.' || $1 || '.' || member_id || '.' || $6, jsonb_build_object('memberId', member_id, 'provider', $1, 'scoresAt', clock_timestamp())
           FROM changed
           WHERE EXISTS (SELECT 1 FROM campaigns WHERE status IN ('active', 'paused') AND eligibility->>'provider' = $1)
           RETURNING 1
         )
         SELECT (SELECT count(*) FROM changed)::int AS changed, (SELECT count(*) FROM jobs)::int AS jobs`,
        [provider, JSON.stringify(rows), scoredAt.toISOString(), QUEUES.matching.name, MATCH_MEMBER, String(scoredAt.getTime())],
      );
      if (result.jobs > 0) await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
      return result.changed;
    });
  }
}

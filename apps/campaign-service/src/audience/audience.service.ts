import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Campaign, loadEvaluationContext, SharedWorkLimit } from '@app/db';
import { EligibilityRules, ELIGIBLE_MEMBERS_FROM, eligibilitySql } from '@app/domain';

export interface AudiencePreview {
  eligibleMembers: number;
  byCountry: Record<string, number>;
  byTopic: Record<string, number>;
}

/**
 * A campaign without topic rules is split by the provider's most common topics, taken
 * from a bounded slice of its scores: each topic shown costs one FILTER per scanned row.
 * The slice is the same one every time (in primary-key order), so repeated previews show the
 * same topics.
 */
const TOPIC_SAMPLE_ROWS = 5000;
const MAX_TOPICS = 10;
/**
 * Each preview is a parallel scan of the provider's scores (~0.5 s at a million members): a
 * burst of dashboards running them all at once slowed every other request of the API.
 */
const MAX_PREVIEWS_AT_ONCE = 2;

/**
 * The campaign's audience on the current data, as aggregates only: one parallel-friendly
 * pass over the provider's score rows with the same SQL translation matching uses, grouped
 * by country, with one FILTER count per topic (no per-member rows leave PostgreSQL).
 */
@Injectable()
export class AudienceService {
  private readonly previews = new SharedWorkLimit<AudiencePreview>(MAX_PREVIEWS_AT_ONCE);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** At most two at once; the same rules asked for while their preview runs or waits share it. */
  preview(campaign: Campaign): Promise<AudiencePreview> {
    return this.previews.run(JSON.stringify(campaign.eligibility), () => this.compute(campaign.eligibility));
  }

  private async compute(rules: EligibilityRules): Promise<AudiencePreview> {
    const manager = this.dataSource.manager;
    const ctx = await loadEvaluationContext(manager, rules.provider);
    const { where, params } = eligibilitySql(rules, ctx);
    const topics = rules.topics?.length ? rules.topics : await this.providerTopics(manager, rules.provider);
    const topicCounts = topics.map((topic, i) => {
      params.push(topic);
      const at = `$${params.length}`;
      if (rules.minTopicScore === undefined || rules.minTopicScore === null) {
        return `count(*) FILTER (WHERE s.topics ? ${at})::int AS t${i}`;
      }
      params.push(rules.minTopicScore);
      return `count(*) FILTER (WHERE (s.topics->>${at})::float8 >= $${params.length}::float8)::int AS t${i}`;
    });
    const rows = await this.dataSource.transaction(async (tx): Promise<Record<string, number | string | null>[]> => {
      // The planner cannot estimate ORed jsonb topic predicates and picks index scans plus an
      // on-disk sort for what is a scan of most of the provider's rows; a parallel sequential
      // scan with a hash aggregate is 2-3× faster at a million members, and bounded for narrow rules.
      await tx.query(`SET LOCAL enable_bitmapscan = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_sort = off`);
      return tx.query(
        `SELECT s.country::text AS country, count(*)::int AS members${topicCounts.map((c) => `, ${c}`).join('')}
         FROM ${ELIGIBLE_MEMBERS_FROM} WHERE ${where}
         GROUP BY s.country`,
        params,
      );
    });
    return this.toPreview(rows, topics);
  }

  private toPreview(rows: Record<string, number | string | null>[], topics: string[]): AudiencePreview {
    const preview: AudiencePreview = { eligibleMembers: 0, byCountry: {}, byTopic: {} };
    for (const row of rows) {
      preview.eligibleMembers += row.members as number;
      if (row.country) preview.byCountry[row.country as string] = row.members as number;
      topics.forEach((topic, i) => (preview.byTopic[topic] = (preview.byTopic[topic] ?? 0) + (row[`t${i}`] as number)));
    }
    for (const topic of topics) if (!preview.byTopic[topic]) delete preview.byTopic[topic];
    return preview;
  }

  private async providerTopics(manager: EntityManager, provider: EligibilityRules['provider']): Promise<string[]> {
    const rows: { topic: string }[] = await manager.query(
      `SELECT k AS topic
       FROM (SELECT topics FROM member_scores WHERE provider = $1 ORDER BY member_id LIMIT $2) sample, jsonb_object_keys(sample.topics) k
       GROUP BY k ORDER BY count(*) DESC, k LIMIT $3`,
      [provider, TOPIC_SAMPLE_ROWS, MAX_TOPICS],
    );
    return rows.map((r) => r.topic);
  }
}

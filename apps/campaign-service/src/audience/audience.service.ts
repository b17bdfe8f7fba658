import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Campaign } from '@app/db';
import { ELIGIBLE_MEMBERS_FROM, eligibilitySql } from '@app/domain';
import { EligibilityService } from '../eligibility/eligibility.service';

export interface AudiencePreview {
  eligibleMembers: number;
  byCountry: Record<string, number>;
  byTopic: Record<string, number>;
}

interface BucketRow {
  dimension: 'total' | 'country' | 'topic';
  key: string | null;
  members: string;
}

/**
 * The campaign's audience on the current data, as aggregates only. One set-based
 * query over the same SQL translation matching uses, so the preview is what launch offers.
 */
@Injectable()
export class AudienceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly eligibility: EligibilityService,
  ) {}

  async preview(campaign: Campaign): Promise<AudiencePreview> {
    const rules = campaign.eligibility;
    const ctx = await this.eligibility.context(this.dataSource.manager, rules.provider);
    const { where, params } = eligibilitySql(rules, ctx);
    const listedTopics = rules.topics?.length ? rules.topics : null;
    const minTopicScore = rules.minTopicScore ?? null;
    const topicParam = params.length + 1;
    // byTopic counts eligible members per topic they hold; with listed topics, only those,
    // and only at the campaign's minimum topic score.
    const rows: BucketRow[] = await this.dataSource.query(
      `WITH eligible AS MATERIALIZED (
         SELECT p.country, s.topics FROM ${ELIGIBLE_MEMBERS_FROM} WHERE ${where}
       )
       SELECT 'country' AS dimension, country::text AS key, count(*) AS members FROM eligible GROUP BY country
       UNION ALL
       SELECT 'topic', t.key, count(*) FROM eligible, jsonb_each(eligible.topics) t
       WHERE ($${topicParam}::text[] IS NULL OR t.key = ANY($${topicParam}::text[]))
         AND ($${topicParam + 1}::float8 IS NULL OR (t.value)::text::float8 >= $${topicParam + 1}::float8)
       GROUP BY t.key`,
      [...params, listedTopics, minTopicScore],
    );
    const preview: AudiencePreview = { eligibleMembers: 0, byCountry: {}, byTopic: {} };
    for (const row of rows) {
      const members = Number(row.members);
      if (row.dimension === 'country') {
        preview.eligibleMembers += members;
        if (row.key) preview.byCountry[row.key] = members;
      } else if (row.key) {
        preview.byTopic[row.key] = members;
      }
    }
    return preview;
  }
}

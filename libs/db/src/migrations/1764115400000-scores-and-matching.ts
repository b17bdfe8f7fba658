import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scores (current per provider and member, plus history), each provider's percentile
 * thresholds, matching progress and once-only offer notifications.
 */
export class ScoresAndMatching1764115400000 implements MigrationInterface {
  name = 'ScoresAndMatching1764115400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE member_scores (
        provider text NOT NULL,
        member_id uuid NOT NULL REFERENCES users(id),
        score double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
        topics jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(topics) = 'object'),
        scored_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, member_id)
      );
      -- minScore / minPercentile ranges and the per-provider distribution read this index.
      CREATE INDEX member_scores_provider_score_idx ON member_scores (provider, score);
      CREATE INDEX member_scores_member_idx ON member_scores (member_id);

      CREATE TABLE score_history (
        provider text NOT NULL,
        member_id uuid NOT NULL REFERENCES users(id),
        scored_at timestamptz NOT NULL,
        score double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
        topics jsonb NOT NULL DEFAULT '{}',
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (provider, member_id, scored_at)
      );
      CREATE INDEX score_history_member_idx ON score_history (member_id);

      -- thresholds[p + 1] = percentile_disc(p / 100) of the provider's current scores, p = 0..100
      CREATE TABLE score_distributions (
        provider text PRIMARY KEY,
        thresholds double precision[] NOT NULL CHECK (cardinality(thresholds) = 101),
        member_count integer NOT NULL,
        refreshed_at timestamptz NOT NULL DEFAULT now()
      );

      -- where a campaign's chunked matching run got to; a restarted worker resumes after last_member_id
      CREATE TABLE matching_runs (
        campaign_id uuid PRIMARY KEY REFERENCES campaigns(id),
        last_member_id uuid,
        offers_created bigint NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );

      ALTER TABLE notifications ADD COLUMN campaign_id uuid REFERENCES campaigns(id);
      -- one "new offer" notification per member and campaign, however often a batch is replayed
      CREATE UNIQUE INDEX notifications_offer_once_idx ON notifications (member_id, campaign_id) WHERE kind = 'offer';
      CREATE INDEX notifications_unread_idx ON notifications (member_id) WHERE read_at IS NULL;
      CREATE INDEX campaigns_active_provider_idx ON campaigns ((eligibility->>'provider')) WHERE status = 'active';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX campaigns_active_provider_idx;
      DROP INDEX notifications_unread_idx;
      DROP INDEX notifications_offer_once_idx;
      ALTER TABLE notifications DROP COLUMN campaign_id;
      DROP TABLE matching_runs, score_distributions, score_history, member_scores;
    `);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An admin's `GET /campaigns` (every brand's, newest first) sorted the whole table for each page,
 * and the moderation queue (`?reviewStatus=pending`) scanned it for the few pending ones. Both get
 * an index in the list's order; a brand's own list already has one.
 */
export class CampaignListFilters1764116500000 implements MigrationInterface {
  name = 'CampaignListFilters1764116500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX campaigns_created_idx ON campaigns (created_at DESC, id DESC);
      CREATE INDEX campaigns_review_idx ON campaigns (review_status, created_at DESC, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX campaigns_review_idx;
      DROP INDEX campaigns_created_idx;
    `);
  }
}

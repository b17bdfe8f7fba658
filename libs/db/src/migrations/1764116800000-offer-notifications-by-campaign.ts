import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention pruner deletes the offer notifications of campaigns ended long ago, campaign by
 * campaign: without an index by campaign each pass read every notification. Built CONCURRENTLY, as
 * a matching run writes one row per member offered.
 */
export class OfferNotificationsByCampaign1764116800000 implements MigrationInterface {
  name = 'OfferNotificationsByCampaign1764116800000';
  transaction = false as const;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS notifications_offer_campaign_idx ON notifications (campaign_id) WHERE kind = 'offer'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS notifications_offer_campaign_idx`);
  }
}

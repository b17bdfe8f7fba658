import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A funded campaign's end is now queued when its funding completes (`enqueueCampaignEnd`), so one
 * that is never launched still ends, and is refunded, at endsAt. Campaigns funded before that get
 * their end job here, through the outbox, under the same jobId launch uses (BullMQ keeps one).
 */
export class FundedCampaignsEnd1764116300000 implements MigrationInterface {
  name = 'FundedCampaignsEnd1764116300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO outbox (queue, job_name, job_id, payload, run_at)
      SELECT 'campaign-lifecycle', 'end-campaign', 'end-campaign.' || id, jsonb_build_object('campaignId', id), ends_at
      FROM campaigns WHERE status = 'funded'
    `);
  }

  async down(): Promise<void> {
    // The jobs are harmless: an end job finds a campaign that is no longer funded or live and does nothing.
  }
}

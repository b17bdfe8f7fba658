import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A payment can be refunded more than once: after the end's refund, units that come back (a
 * claim pending at the end fails, or an admin cancels it) are refunded by a top-up. Each refund
 * of a funding has its sequence number (1 is the end's), and at most one is in flight at a time.
 * A refund Stripe refuses because the payment was charged back is `disputed`; once the dispute is
 * won, the next number (a new idempotency key) refunds it.
 */
export class RefundTopUps1764115900000 implements MigrationInterface {
  name = 'RefundTopUps1764115900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE refunds DROP CONSTRAINT refunds_funding_id_key;
      ALTER TABLE refunds ADD COLUMN sequence integer NOT NULL DEFAULT 1 CHECK (sequence >= 1);
      ALTER TABLE refunds ADD CONSTRAINT refunds_funding_sequence_key UNIQUE (funding_id, sequence);
      CREATE UNIQUE INDEX refunds_one_pending_per_funding ON refunds (funding_id) WHERE status = 'pending';
      -- disputed: Stripe refused it because the payment was charged back; a later refund replaces it
      ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
      ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'disputed'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM refunds WHERE status = 'disputed';
      ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
      ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'failed'));
      DROP INDEX refunds_one_pending_per_funding;
      ALTER TABLE refunds DROP CONSTRAINT refunds_funding_sequence_key;
      ALTER TABLE refunds DROP COLUMN sequence;
      ALTER TABLE refunds ADD CONSTRAINT refunds_funding_id_key UNIQUE (funding_id);
    `);
  }
}

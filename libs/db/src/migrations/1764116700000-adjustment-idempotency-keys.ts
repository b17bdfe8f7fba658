import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An admin's stock adjustment may carry an Idempotency-Key: a retry after a lost answer is answered
 * with the adjustment already made instead of applying the change twice. Keys are per campaign and
 * admin; the table is small (one row per manual change), so the index is built in the transaction.
 */
export class AdjustmentIdempotencyKeys1764116700000 implements MigrationInterface {
  name = 'AdjustmentIdempotencyKeys1764116700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE inventory_adjustments ADD COLUMN idempotency_key text;
      CREATE UNIQUE INDEX inventory_adjustments_idempotency_idx ON inventory_adjustments (campaign_id, admin_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX inventory_adjustments_idempotency_idx;
      ALTER TABLE inventory_adjustments DROP COLUMN idempotency_key;
    `);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An inventory adjustment is stamped when it is written, after it took the campaign's row lock,
 * not when its transaction began: adjustments racing each other are then listed in the order
 * they were applied, and each one's `totalUnitsBefore` is the previous one's `totalUnitsAfter`.
 */
export class AdjustmentsInLockOrder1764116000000 implements MigrationInterface {
  name = 'AdjustmentsInLockOrder1764116000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inventory_adjustments ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inventory_adjustments ALTER COLUMN created_at SET DEFAULT now()`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Matching walks member_scores in physical block ranges (one sequential pass over the
 * table, like a plain INSERT … SELECT) instead of member-id ranges (random heap reads),
 * so a run's progress is the next block to scan.
 */
export class MatchingRunsByBlock1764115400002 implements MigrationInterface {
  name = 'MatchingRunsByBlock1764115400002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE matching_runs DROP COLUMN last_member_id, ADD COLUMN next_block bigint NOT NULL DEFAULT 0 CHECK (next_block >= 0);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE matching_runs DROP COLUMN next_block, ADD COLUMN last_member_id uuid;`);
  }
}

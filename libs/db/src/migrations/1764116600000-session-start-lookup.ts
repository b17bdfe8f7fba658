import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A refresh checks when its session began (the family's first token, rotated long ago): an index
 * over every token of a family, in creation order, so that is one lookup. Built CONCURRENTLY, as
 * the table is written at every login and refresh.
 */
export class SessionStartLookup1764116600000 implements MigrationInterface {
  name = 'SessionStartLookup1764116600000';
  transaction = false as const;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS refresh_tokens_family_created_idx ON refresh_tokens (family_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_family_created_idx`);
  }
}

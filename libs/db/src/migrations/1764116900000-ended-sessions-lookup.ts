import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention pruner deletes login sessions (token families) ended long ago. A session's last
 * tokens are those not rotated: an index over their expiry finds the ended sessions without
 * reading every renewal. Built CONCURRENTLY, as the table is written at every login and refresh.
 */
export class EndedSessionsLookup1764116900000 implements MigrationInterface {
  name = 'EndedSessionsLookup1764116900000';
  transaction = false as const;

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS refresh_tokens_session_end_idx ON refresh_tokens (expires_at) WHERE revoke_reason IS DISTINCT FROM 'rotated'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_session_end_idx`);
  }
}

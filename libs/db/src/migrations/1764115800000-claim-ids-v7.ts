import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claim ids become version-7 UUIDs (time-ordered, RFC 9562), as the claim path makes them
 * (`uuidV7` in @app/domain): claims made together sit together in the primary key, so group
 * commits insert into, and fulfilment updates, a few recent pages instead of random ones.
 * `uuid_v7()` takes the random bytes of gen_random_uuid() (its variant bits already RFC) and
 * writes the milliseconds and the version over them. Existing ids stay as they are.
 */
export class ClaimIdsV71764115800000 implements MigrationInterface {
  name = 'ClaimIdsV71764115800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(
          set_byte(
            overlay(r PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
            6, (get_byte(r, 6) & 15) | 112),
          'hex')::uuid
        FROM (SELECT uuid_send(gen_random_uuid()) AS r) random
      $$;
      ALTER TABLE claims ALTER COLUMN id SET DEFAULT uuid_v7();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE claims ALTER COLUMN id SET DEFAULT gen_random_uuid();
      DROP FUNCTION uuid_v7();
    `);
  }
}

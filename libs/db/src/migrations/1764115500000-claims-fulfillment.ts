import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claims and fulfillment: a per-member slot whose partial unique index makes the
 * per-member limit a database invariant, a fulfillment round for admin retries (each
 * round gets its own BullMQ jobId), unique invitation codes, and shipments.
 */
export class ClaimsFulfillment1764115500000 implements MigrationInterface {
  name = 'ClaimsFulfillment1764115500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE claims
        ADD COLUMN member_slot smallint NOT NULL DEFAULT 1 CHECK (member_slot >= 1),
        ADD COLUMN fulfillment_round integer NOT NULL DEFAULT 0 CHECK (fulfillment_round >= 0);

      -- A member holds at most per_member_limit live claims: each live claim takes one slot
      -- in 1..limit (the writer checks the bound under the campaign row lock), and no slot twice.
      CREATE UNIQUE INDEX claims_member_slot_uidx ON claims (campaign_id, member_id, member_slot)
        WHERE status IN ('pending', 'fulfilled');

      CREATE UNIQUE INDEX claims_invitation_uidx ON claims ((fulfillment->>'invitation'))
        WHERE fulfillment ? 'invitation';

      CREATE TABLE shipments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        claim_id uuid NOT NULL UNIQUE REFERENCES claims(id),
        provider text NOT NULL CHECK (provider IN ('manual', 'webhook')),
        status text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'submitted', 'shipped', 'cancelled')),
        address jsonb,
        external_id text,
        carrier text,
        tracking_number text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        submitted_at timestamptz,
        shipped_at timestamptz,
        CHECK ((status = 'shipped') = (tracking_number IS NOT NULL))
      );
      CREATE INDEX shipments_status_idx ON shipments (status, created_at, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE shipments;
      DROP INDEX claims_invitation_uidx;
      DROP INDEX claims_member_slot_uidx;
      ALTER TABLE claims DROP COLUMN fulfillment_round, DROP COLUMN member_slot;
    `);
  }
}
